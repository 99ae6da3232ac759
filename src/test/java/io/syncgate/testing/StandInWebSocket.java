package io.syncgate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * What the stand-in's {@code _blipsync} does once upgraded. BLIP itself is out of its scope; it
 * serves as the far end of a relay: text is echoed, {@code send <n>} streams n bytes in binary
 * frames as fast as the socket takes them (then {@code sent}), and {@code sink <n> <ms>} stops
 * reading for ms milliseconds, then counts n binary bytes (then {@code got <n>}).
 */
final class StandInWebSocket {

  private static final int FRAME = 64 * 1024;

  private StandInWebSocket() {}

  static void serve(Vertx vertx, ServerWebSocket socket) {
    long[] sunk = {0, -1};
    socket.binaryMessageHandler(bytes -> {
      sunk[0] += bytes.length();
      if (sunk[1] >= 0 && sunk[0] >= sunk[1]) {
        socket.writeTextMessage("got " + sunk[0]);
        sunk[1] = -1;
      }
    });
    socket.textMessageHandler(text -> {
      String[] words = text.split(" ");
      if (words[0].equals("send") && words.length == 2) {
        send(socket, Long.parseLong(words[1]));
      } else if (words[0].equals("sink") && words.length == 3) {
        sunk[0] = 0;
        sunk[1] = Long.parseLong(words[1]);
        socket.pause();
        vertx.setTimer(Long.parseLong(words[2]), t -> socket.resume());
      } else {
        socket.writeTextMessage(text);
      }
    });
  }

  private static void send(ServerWebSocket socket, long total) {
    Buffer frame = Buffer.buffer(new byte[FRAME]);
    long[] left = {total};
    Runnable pump = new Runnable() {
      @Override
      public void run() {
        while (left[0] > 0 && !socket.writeQueueFull()) {
          int size = (int) Math.min(FRAME, left[0]);
          socket.writeBinaryMessage(size == FRAME ? frame : frame.getBuffer(0, size));
          left[0] -= size;
        }
        if (left[0] > 0) {
          socket.drainHandler(v -> run());
        } else {
          socket.writeTextMessage("sent");
        }
      }
    };
    pump.run();
  }
}
