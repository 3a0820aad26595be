package io.seedflow.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.encoder.PretrainedWeightsProvider;
import io.seedflow.core.tensor.ParameterSet;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class MiniLmWeightsProviderTest {

    @Test
    void serviceLoaderFindsTheProviderByName() {
        assertThat(ServiceLoader.load(PretrainedWeightsProvider.class).stream().map(p -> p.get().name()))
                .contains(EncoderSpec.MINILM);
    }

    @Test
    void eachCallHandsOutItsOwnCopy() {
        MiniLmWeightsProvider provider = new MiniLmWeightsProvider();
        float[][] a = provider.body(EncoderSpec.miniLm(2, 128));
        float before = a[0][0];
        a[0][0] = 42f;
        float[][] b = provider.body(EncoderSpec.miniLm(5, 64));
        assertThat(b[0][0]).isEqualTo(before);
        assertThat(b[0]).isNotSameAs(a[0]);
    }

    @Test
    void theEncoderModelStartsFromThePretrainedBody() {
        EncoderSpec spec = EncoderSpec.parse("encoder:all-minilm-l6-v2:3:64");
        ParameterSet p = spec.newModel().initialize(11);
        float[][] body = new MiniLmWeightsProvider().body(spec);
        for (int t = 0; t < spec.headTensor(); t++) {
            assertThat(p.tensor(t)).as(p.spec(t).name()).isEqualTo(body[t]);
        }
        assertThat(p.tensor(spec.headTensor())).hasSize(384 * 3);
    }

    @Test
    void otherEncodersAreRefused() {
        EncoderSpec random = EncoderSpec.parse("encoder:bert-L2-H64-A4-F128-V1000-P128:2");
        assertThatThrownBy(() -> new MiniLmWeightsProvider().body(random)).isInstanceOf(PretrainedModelException.class)
                .hasMessage("provider all-minilm-l6-v2 cannot load the body of " + random);
    }
}
