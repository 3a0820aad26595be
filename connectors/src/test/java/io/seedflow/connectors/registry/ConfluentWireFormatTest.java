package io.seedflow.connectors.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.registry.WireFormatException.Reason;
import org.junit.jupiter.api.Test;

class ConfluentWireFormatTest {

    @Test
    void headerIsMagicZeroThenBigEndianId() {
        byte[] header = new byte[5];
        ConfluentWireFormat.writeHeader(0x01020304, header);
        assertThat(header).containsExactly(0x00, 0x01, 0x02, 0x03, 0x04);
        assertThat(ConfluentWireFormat.readSchemaId(header)).isEqualTo(0x01020304);
    }

    @Test
    void idsUseAllFourBytesUnsignedPerByte() {
        byte[] header = new byte[5];
        ConfluentWireFormat.writeHeader(0x7fffff80, header);
        assertThat(header).containsExactly(0x00, 0x7f, 0xff, 0xff, 0x80);
        assertThat(ConfluentWireFormat.readSchemaId(header)).isEqualTo(0x7fffff80);
    }

    @Test
    void shortRecordIsTruncated() {
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(new byte[] {0, 0, 1}))
                .isInstanceOfSatisfying(WireFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED))
                .hasMessageStartingWith("truncated record: 3 bytes, need at least 5");
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(new byte[0]))
                .hasMessageStartingWith("truncated record: 0 bytes, need at least 5");
    }

    @Test
    void otherFirstByteIsUnknownMagicByte() {
        byte[] json = "{\"eventId\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(json))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_MAGIC_BYTE))
                .hasMessage("unknown magic byte 0x7b, expected 0x00 (Confluent wire format)");
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(new byte[] {(byte) 0xff, 0, 0, 0, 1}))
                .hasMessage("unknown magic byte 0xff, expected 0x00 (Confluent wire format)");
    }

    @Test
    void valueSubjectFollowsTopicNameStrategy() {
        assertThat(ConfluentWireFormat.valueSubject("labeled-events")).isEqualTo("labeled-events-value");
        assertThatThrownBy(() -> ConfluentWireFormat.valueSubject("")).hasMessageContaining("topic");
    }
}
