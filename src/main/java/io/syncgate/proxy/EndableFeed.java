package io.syncgate.proxy;

import io.syncgate.body.PassThroughBody;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

/**
 * A long-poll or continuous {@code _changes} body that can be ended early without breaking what
 * the client reads: a continuous feed ends after a whole line, a long-poll that has not begun its
 * answer ends with an empty one whose {@code last_seq} is the {@code since} it asked from (so the
 * client resumes from there elsewhere), and a long-poll whose answer has begun ends with it. The
 * backend's side is then reset: its connection is not reused.
 */
final class EndableFeed extends PassThroughBody {

  private final boolean longPoll;
  private final String since;
  private final Runnable resetOrigin;
  private Runnable cut = () -> { };
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  /** A byte other than whitespace has gone out: a long-poll's answer has begun. */
  private boolean begun;
  /** The non-whitespace bytes of a long-poll's answer so far, while they are no more than its opening. */
  private final StringBuilder opening = new StringBuilder();
  /** A long-poll's answer holds more than its opening: an entry has begun. */
  private boolean entries;
  private boolean atLineEnd = true;
  private boolean ending;
  private boolean ended;

  EndableFeed(ReadStream<Buffer> source, boolean longPoll, String since, Runnable resetOrigin) {
    super(source);
    this.longPoll = longPoll;
    this.since = since;
    this.resetOrigin = resetOrigin;
  }

  /**
   * Whether a feed asked from {@code since} can be answered "nothing new, resume from there":
   * a sequence (SG's {@code 123} or {@code 12:34}, absent meaning 0), not {@code now}, whose
   * meaning has moved on by the time the client comes back.
   */
  static boolean resumable(String since) {
    return since == null || since.matches("\\d+(:\\d*)*");
  }

  /** What ends the client's exchange without an answer (closing its connection). */
  EndableFeed onCut(Runnable cut) {
    this.cut = cut;
    return this;
  }

  /**
   * Ends the feed as soon as that can be done cleanly: now, after the line being sent, or — a
   * long-poll whose entries have begun, which SG ends as soon as it has written them — when the
   * answer ends, and cut if it has not within {@link #ANSWER_GRACE_MILLIS}.
   */
  void endCleanly() {
    if (ended) {
      return;
    }
    if (longPoll && !resumable(since) && !entries) {
      // Nothing to resume from: a cut the client retries beats an answer that loses changes.
      cutNow();
    } else if (longPoll && !begun) {
      emit(emptyAnswer(true, since));
      finish();
    } else if (longPoll && !entries && OPENING.contentEquals(opening)) {
      // SG begins a long-poll's answer at once ({"results":[) and waits: close it as SG would at
      // its timeout, with no changes and the since it was asked from.
      emit(Buffer.buffer("],\n\"last_seq\":" + quoted(since == null ? "0" : since) + "}\n"));
      finish();
    } else if (!longPoll && atLineEnd) {
      finish();
    } else {
      // A long-poll's entries are few and end its answer; a continuous line ends at its newline.
      ending = true;
      if (longPoll && Vertx.currentContext() != null) {
        Vertx.currentContext().owner().setTimer(ANSWER_GRACE_MILLIS, t -> {
          if (!ended) {
            cutNow();
          }
        });
      }
    }
  }

  /** How long a long-poll whose entries have begun gets to end its answer at a stop. */
  static final long ANSWER_GRACE_MILLIS = 1000;
  /** How SG begins a long-poll's answer, whitespace aside. */
  private static final String OPENING = "{\"results\":[";

  private static String quoted(String text) {
    String array = new JsonArray().add(text).encode();
    return array.substring(1, array.length() - 1);
  }

  private void cutNow() {
    ended = true;
    resetOrigin.run();
    cut.run();
  }

  /**
   * A feed's answer with no changes that resumes from {@code since}: a long-poll's whole answer, or
   * a continuous feed's last line, as CouchDB ends it.
   */
  static Buffer emptyAnswer(boolean longPoll, String since) {
    JsonObject last = new JsonObject();
    if (longPoll) {
      last.put("results", new JsonArray());
    }
    return Buffer.buffer(last.put("last_seq", since == null ? "0" : since).encode() + "\n");
  }

  private void onData(Buffer chunk) {
    if (ended) {
      return;
    }
    if (ending && !longPoll) {
      int newline = indexOf(chunk, (byte) '\n');
      if (newline >= 0) {
        emit(chunk.getBuffer(0, newline + 1));
        finish();
        return;
      }
    }
    emit(chunk);
  }

  private void emit(Buffer chunk) {
    for (int i = 0; longPoll && !entries && i < chunk.length(); i++) {
      byte b = chunk.getByte(i);
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        begun = true;
        opening.append((char) b);
        entries = opening.length() > OPENING.length() || !OPENING.startsWith(opening.toString());
      }
    }
    for (int i = 0; !begun && i < chunk.length(); i++) {
      byte b = chunk.getByte(i);
      begun = b != ' ' && b != '\n' && b != '\r' && b != '\t';
    }
    if (chunk.length() > 0) {
      atLineEnd = chunk.getByte(chunk.length() - 1) == '\n';
    }
    if (dataHandler != null) {
      dataHandler.handle(chunk);
    }
  }

  private void finish() {
    ended = true;
    source.handler(null);
    source.endHandler(null);
    source.exceptionHandler(null);
    resetOrigin.run();
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  private static int indexOf(Buffer chunk, byte wanted) {
    for (int i = 0; i < chunk.length(); i++) {
      if (chunk.getByte(i) == wanted) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler == null ? null : e -> {
      if (!ended) {
        handler.handle(e);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    dataHandler = handler;
    source.handler(handler == null ? null : this::onData);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    endHandler = handler;
    source.endHandler(handler == null ? null : v -> {
      if (!ended) {
        ended = true;
        handler.handle(null);
      }
    });
    return this;
  }

}
