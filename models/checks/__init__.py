"""What is wrong with a model, said plainly: validation, shape inference, problems and their fixes, the
data-fit check, and TensorFlow's errors translated."""
