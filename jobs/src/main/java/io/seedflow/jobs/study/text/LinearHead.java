package io.seedflow.jobs.study.text;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.BackpropTrainer;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.ParameterSet;

/**
 * The encoder's classification head trained alone, by its exact gradient, on frozen sentence embeddings: plain SGD on
 * the mean softmax cross-entropy gradient of a batch (no momentum; weight decay on the weight only), the same update
 * the hybrid trainer applies to the head. Starts from the head the encoder's runs start from ({@link InitialHead}),
 * so it is the encoder with its body frozen, at a fraction of the cost.
 */
final class LinearHead {
    private final Mlp mlp;
    private final ParameterSet params;
    private final BackpropTrainer trainer;
    private final int classes;

    LinearHead(EncoderSpec encoder, InitialHead init, float weightDecay) {
        MlpSpec spec = MlpSpec.parse("mlp:" + encoder.hidden() + "x" + encoder.classes() + ":relu");
        this.mlp = new Mlp(spec);
        this.classes = encoder.classes();
        this.params = new ParameterSet(spec.tensorSpecs());
        float[] weight = params.tensor(0); // [out, in]; the head's is [in, out]
        for (int in = 0; in < encoder.hidden(); in++) {
            for (int out = 0; out < classes; out++) {
                weight[out * encoder.hidden() + in] = init.weight()[in * classes + out];
            }
        }
        System.arraycopy(init.bias(), 0, params.tensor(1), 0, classes);
        this.trainer = new BackpropTrainer(spec, params, 0f, weightDecay);
    }

    /** One SGD step on the batch of embeddings. */
    void learn(Batch batch, float learningRate) {
        trainer.step(batch, learningRate);
    }

    /** The predicted class of every example of the batch. */
    int[] predict(Batch batch) {
        return mlp.predict(params, batch);
    }

    Evaluation evaluate(LabeledDataset embeddings) {
        return mlp.evaluate(params, embeddings, embeddings.count(), 256);
    }
}
