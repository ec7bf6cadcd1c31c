"""Layers Strata offered that Keras lacks, registered so that `.keras` files saved by earlier versions load again.

Models built now make PositionEmbedding from Keras core parts (`models.building.builder.position_embedding`), so
what Strata saves loads with plain Keras; this class stays for the files written before.
"""

import keras


@keras.saving.register_keras_serializable(package="strata")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position to a (batch, positions, features) input.

    Attention is blind to order; this tells it where each token or image patch sits. Inputs shorter
    than `sequence_length` use the first positions.
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = int(sequence_length)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        self.position_embeddings = self.add_weight(
            name="embeddings",
            shape=(self.sequence_length, input_shape[-1]),
            initializer=self.initializer,
            trainable=True,
        )

    def call(self, inputs):
        length = keras.ops.shape(inputs)[-2]
        positions = keras.ops.cast(self.position_embeddings[:length], inputs.dtype)
        return inputs + positions

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            sequence_length=self.sequence_length,
            initializer=keras.initializers.serialize(self.initializer),
        )
        return config


CUSTOM_LAYERS = {"PositionEmbedding": PositionEmbedding}
