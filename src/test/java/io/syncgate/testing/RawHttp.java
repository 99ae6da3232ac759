package io.syncgate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP over a plain socket, for what no well-behaved client sends: heads written a byte at a
 * time, two framings of one body, odd cookies. Answers are read as they come, to the close.
 */
public final class RawHttp {

  public static final String STILL_OPEN = " [connection still open]";

  private RawHttp() {}

  /** Sends {@code request} and reads until the connection closes or {@code wait} passes in silence. */
  public static String exchange(int port, String request, Duration wait) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) wait.toMillis());
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return readToClose(socket.getInputStream());
    }
  }

  /**
   * Sends {@code request} and reads for {@code total} at most, however often bytes arrive (a feed
   * with heartbeats never goes quiet); a connection still open then adds {@link #STILL_OPEN}.
   */
  public static String exchangeFor(int port, String request, Duration total) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(50);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      long deadline = System.nanoTime() + total.toNanos();
      byte[] chunk = new byte[8192];
      while (System.nanoTime() < deadline) {
        try {
          int n = socket.getInputStream().read(chunk);
          if (n < 0) {
            return read.toString(StandardCharsets.ISO_8859_1);
          }
          read.write(chunk, 0, n);
        } catch (SocketTimeoutException quiet) {
          // Nothing just now: read on until the deadline.
        }
      }
      read.writeBytes(STILL_OPEN.getBytes(StandardCharsets.ISO_8859_1));
      return read.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Reads a response head, up to and with its blank line; a connection closed before it fails. */
  public static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("closed after " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** Reads until the peer closes; a read that times out adds {@link #STILL_OPEN}. */
  public static String readToClose(InputStream in) throws IOException {
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    try {
      in.transferTo(read);
    } catch (SocketTimeoutException e) {
      read.writeBytes(STILL_OPEN.getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException reset) {
      read.writeBytes(" [connection reset]".getBytes(StandardCharsets.ISO_8859_1));
    }
    return read.toString(StandardCharsets.ISO_8859_1);
  }
}
