package io.syncgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.proxy.WebSocketRelay.FrameBoundary;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** Frame boundaries in a byte stream, however the bytes are split (RFC 6455 §5.2). */
class FrameBoundaryTest {

  private static Buffer frame(int opcode, int length, boolean masked) {
    Buffer head = Buffer.buffer().appendByte((byte) (0x80 | opcode));
    int maskBit = masked ? 0x80 : 0;
    if (length < 126) {
      head.appendByte((byte) (maskBit | length));
    } else if (length <= 0xFFFF) {
      head.appendByte((byte) (maskBit | 126)).appendUnsignedShort(length);
    } else {
      head.appendByte((byte) (maskBit | 127)).appendLong(length);
    }
    if (masked) {
      head.appendInt(0x01020304);
    }
    return head.appendBytes(new byte[length]);
  }

  @Test
  void eachLengthFormIsReadToItsEnd() {
    for (int length : new int[] {0, 1, 125, 126, 65535, 65536, 200_000}) {
      for (boolean masked : new boolean[] {false, true}) {
        FrameBoundary boundary = new FrameBoundary();
        Buffer bytes = frame(2, length, masked);
        assertThat(boundary.advance(bytes, 0, true)).as("length %d, masked %s", length, masked).isEqualTo(bytes.length());
        assertThat(boundary.atBoundary()).isTrue();
      }
    }
  }

  @Test
  void aFrameSplitByteByByteEndsWhereItShould() {
    Buffer two = frame(1, 300, false).appendBuffer(frame(9, 0, false));
    FrameBoundary boundary = new FrameBoundary();
    int boundaries = 0;
    for (int i = 0; i < two.length(); i++) {
      boundary.advance(two.getBuffer(i, i + 1), 0, false);
      if (boundary.atBoundary()) {
        boundaries++;
        assertThat(i + 1).isIn(300 + 4, two.length());
      }
    }
    assertThat(boundaries).isEqualTo(2);
  }

  @Test
  void stoppingAtABoundaryStopsAfterTheFrameUnderWay() {
    Buffer first = frame(2, 1000, false);
    Buffer stream = first.copy().appendBuffer(frame(2, 10, false));
    FrameBoundary boundary = new FrameBoundary();
    assertThat(boundary.advance(stream.getBuffer(0, 500), 0, false)).isEqualTo(500);
    assertThat(boundary.atBoundary()).isFalse();

    Buffer rest = stream.getBuffer(500, stream.length());
    assertThat(boundary.advance(rest, 0, true)).isEqualTo(first.length() - 500);
    assertThat(boundary.atBoundary()).isTrue();
  }
}
