package io.syncgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend that fails the ways a real one does, over a real socket, chosen by the request path:
 * a path ending {@code /hang} accepts and never answers; {@code /reset} starts a chunked answer and resets the
 * connection mid-stream; {@code /heartbeats} answers a feed's head, then a newline every 200 ms
 * after 600 ms of silence, and never ends. Anything else is a small JSON 200.
 */
public final class FaultyBackend implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  private FaultyBackend(ServerSocket server) {
    this.server = server;
    Thread.ofVirtual().start(this::accept);
  }

  public static FaultyBackend start() throws IOException {
    return new FaultyBackend(new ServerSocket(0, 1000, InetAddress.getLoopbackAddress()));
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Connections it holds open now (hung requests and endless feeds). */
  public int held() {
    held.removeIf(Socket::isClosed);
    return held.size();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try {
      String head = readHead(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      String path = head.split(" ", 3)[1];
      if (path.endsWith("/hang")) {
        held.add(socket);
        // Never answer; notice only when the other side gives up.
        while (socket.getInputStream().read() >= 0) {
          // Whatever else comes is ignored.
        }
        socket.close();
        return;
      }
      if (path.endsWith("/reset")) {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "6\r\n{\"a\":1\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(100);
        socket.setSoLinger(true, 0);
        socket.close();
        return;
      }
      if (path.contains("heartbeats")) {
        held.add(socket);
        // As SG may: nothing at all for a while, then the head and a heartbeat every 200 ms.
        Thread.sleep(600);
        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        while (!socket.isClosed()) {
          out.write("1\r\n\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          Thread.sleep(200);
        }
        return;
      }
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}"
          .getBytes(StandardCharsets.US_ASCII));
      socket.close();
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Already gone.
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before a whole head");
      }
      head.append((char) b);
    }
    return head.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : held) {
      socket.close();
    }
  }
}
