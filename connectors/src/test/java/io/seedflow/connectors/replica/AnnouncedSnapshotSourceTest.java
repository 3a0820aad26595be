package io.seedflow.connectors.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.snapshot.SnapshotAnnouncement;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnouncedSnapshotSourceTest {
    @Test
    void theNewestStepComesFirstAndOfOneStepTheLaterOnTheTopic() {
        SnapshotAnnouncement old5 = announcement(5, "old");
        SnapshotAnnouncement s3 = announcement(3, "a");
        SnapshotAnnouncement new5 = announcement(5, "new");
        SnapshotAnnouncement s4 = announcement(4, "b");
        assertThat(AnnouncedSnapshotSource.inPreference(List.of(s3, old5, s4, new5)))
                .containsExactly(new5, old5, s4, s3);
    }

    private static SnapshotAnnouncement announcement(long step, String id) {
        return new SnapshotAnnouncement("m", step, "file:///" + id, id, 1, "w", 0);
    }
}
