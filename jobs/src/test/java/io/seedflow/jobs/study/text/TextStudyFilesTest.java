package io.seedflow.jobs.study.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.Evaluation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextStudyFilesTest {
    @Test
    void prequentialScoreCountsOnlyTheAskedStretch() {
        int[] labels = {1, 1, 0, 0, 1, 0};
        int[] predicted = {0, 0, 0, 1, 1, 0};
        Evaluation last = Evaluation.ofPredictions(predicted, labels, 3, 6, 2);
        assertThat(last.examples()).isEqualTo(3);
        assertThat(last.count(0, 1)).isEqualTo(1);
        assertThat(last.count(1, 1)).isEqualTo(1);
        assertThat(last.f1(1)).isEqualTo(2.0 / 3);
        assertThat(last.accuracy()).isEqualTo(2.0 / 3);
        double[][] curve = TextStudyReport.windowF1(predicted, labels, 2, 3, 1);
        assertThat(curve[0][0]).isEqualTo(2);
        assertThat(curve[0][1]).isZero(); // two spams missed
        assertThat(curve[2][1]).isEqualTo(1.0); // positions 4, 5: the spam found, the ham kept
        double[][] noSpam = TextStudyReport.windowF1(new int[] {0, 0, 0}, new int[] {0, 0, 0}, 3, 1, 1);
        assertThat(noSpam[0][1]).as("no spam, none predicted: F1 undefined").isNaN();
    }

    @Test
    void aStudyFolderIsReadBackWithItsCountsAndPredictions(@TempDir Path dir) {
        TextStudy.Run pre = new TextStudy.Run(TextStudy.View.prequential, "hybrid", 2,
                new Evaluation(Double.NaN, 2, new long[] {2, 1, 0, 1}), 3, 12.5, new int[] {0, 1, 1, 0});
        TextStudy.Run off = new TextStudy.Run(TextStudy.View.offline, "linear-probe", 1,
                new Evaluation(0.7, 2, new long[] {1, 0, 1, 0}), 7, 0.5, null);
        TextStudyReport.writeRunsCsv(dir.resolve("runs.csv"), List.of(pre, off));
        TextStudyReport.writePredictions(dir.resolve("predictions"), pre);
        List<TextStudy.Run> back = TextStudyReport.readRuns(dir);
        assertThat(back).hasSize(2);
        assertThat(back.get(0).score().f1(1)).isEqualTo(pre.score().f1(1));
        assertThat(back.get(0).predictions()).containsExactly(0, 1, 1, 0);
        assertThat(back.get(1).score().count(1, 0)).isEqualTo(1);
        assertThat(back.get(1).predictions()).isNull();
        assertThat(TextStudyReport.markdown(back)).contains("| hybrid | 1 | 0.667 ± 0.000 | 0.750 ± 0.000");
    }

    @Test
    void aFolderOfAStudyWithOtherSettingsIsRefused(@TempDir Path dir) {
        TextStudyReport.claimFolder(dir, "lr=1e-5");
        TextStudyReport.claimFolder(dir, "lr=1e-5");
        assertThatThrownBy(() -> TextStudyReport.claimFolder(dir, "lr=1e-4"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("--out")
                .hasMessageContaining("lr=1e-5");
    }

    @Test
    void anUnknownViewOrMethodNamesEveryKnownPair() {
        assertThat(TextStudyRunner.Job.parse("prequential/hybrid").method()).isEqualTo("hybrid");
        assertThatThrownBy(() -> TextStudyRunner.Job.parse("offline/full-zo"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("offline/full-zo")
                .hasMessageContaining("prequential/full-zo");
    }
}
