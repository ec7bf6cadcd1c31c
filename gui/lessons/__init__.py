"""The Lessons: a menu and a start-page list of claims about deep learning, each opened as a ready project with a
panel that says what to look at, runs the lesson's experiment in a worker and shows its measured evidence."""
