package io.syncgate.pouchdb;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Removes from document bodies, as they stream, the top-level {@code _} members that PouchDB
 * refuses ("Bad special document member"), such as Sync Gateway 4's {@code _cv}. Everything
 * else passes byte for byte — numbers, spacing, the heartbeat newlines of a feed — because the
 * filter never re-writes JSON: {@link JsonScanner} finds where each member starts and ends, and
 * only the bytes of removed members (with their comma) are cut. A document's bytes are held back
 * only between a member's end and the next member's name.
 *
 * <p>Where the documents are depends on the {@link Shape} of the body.
 */
final class DocumentFilter implements Transform {

  /** Where in a body the documents are. */
  enum Shape {
    /**
     * A document ({@code GET /{db}/{doc}}), an {@code open_revs} array of {@code {"ok": doc}}, or
     * a part of a multipart answer.
     */
    DOCUMENT,
    /** Exactly one document, nothing before or after it: a part of a {@code _bulk_get} answer. */
    ONE_DOCUMENT,
    /**
     * Entries holding documents under {@code doc} ({@code _changes}, continuous or not;
     * {@code _all_docs}) or under {@code docs[].ok} (CouchDB's JSON {@code _bulk_get}).
     */
    FEED
  }

  /** PouchDB 9's reserved words (pouchdb-adapter-utils parseDoc): any other top-level {@code _} member fails it. */
  static final Set<String> POUCHDB_MEMBERS = Set.of(
      "_id", "_rev", "_access", "_attachments", "_deleted", "_revisions", "_revs_info", "_conflicts",
      "_deleted_conflicts", "_local_seq", "_rev_tree", "_replication_id", "_replication_state",
      "_replication_state_time", "_replication_state_reason", "_replication_stats", "_removed");

  /**
   * What becomes of a root member cut from the document (its name and value), fed the value's
   * bytes as they stream, in the order of the document's own output.
   */
  interface MemberRewrite {
    /** The member begins; {@code membersBefore} members of the document were passed on before it. */
    void start(int membersBefore, Buffer out);

    /** Bytes of the member after its name: the colon, then the value. */
    void feed(byte[] bytes, int from, int length, Buffer out);

    /** The value ended: what the rewrite left in the member's place. */
    Slot end(Buffer out);
  }

  /** What a {@link MemberRewrite} left where its member was. */
  enum Slot {
    /** Nothing: the document reads as if the member was never there. */
    EMPTY,
    /** A member of its own. */
    FILLED,
    /** A member of its own, left open: the rest of the document is held ({@link #heldRest()}) for the caller to add to it. */
    FILLED_HOLD_REST
  }

  /** The most of a document held back while a rewritten member stays open; past it the body fails. */
  static final int MAX_HELD_BYTES = 1024 * 1024;

  private enum Role { DOCUMENT, OPEN_REVS, OPEN_REV, ENTRY, ENTRIES, OTHER }

  private enum Action { KEEP, DROP, CAPTURE }

  private static final class Frame {
    final Role role;
    String field;
    // Only for DOCUMENT frames:
    int members;
    boolean inMember;
    Action action;
    boolean dropComma;
    long captureStart = -1;

    Frame(Role role) {
      this.role = role;
    }
  }

  private final Shape shape;
  private final String captured;
  private final MemberRewrite rewrite;
  private final boolean leaveRootOpen;
  private final JsonScanner scanner = new JsonScanner(new Tokens());
  private final Deque<Frame> frames = new ArrayDeque<>();
  private Frame document;
  private boolean idNext;
  private String documentId;
  private int rootMembers = -1;
  private boolean rootIsObject;
  private Buffer held;

  private byte[] window = new byte[4096];
  private long windowStart;
  private int windowLength;
  private long decided;
  private Buffer out;

  DocumentFilter(Shape shape) {
    this(shape, null, null, false);
  }

  /**
   * @param captured a member of a root document to cut and hand to {@code rewrite} rather than drop
   * @param leaveRootOpen whether the closing brace of a root document is withheld, for the caller to add members
   */
  DocumentFilter(Shape shape, String captured, MemberRewrite rewrite, boolean leaveRootOpen) {
    this.shape = shape;
    this.captured = captured;
    this.rewrite = rewrite;
    this.leaveRootOpen = leaveRootOpen;
  }

  @Override
  public void feed(Buffer chunk, Consumer<Buffer> sink) {
    byte[] bytes = chunk.getBytes();
    append(bytes);
    out = Buffer.buffer();
    scanner.feed(bytes, 0, bytes.length);
    if (shape == Shape.ONE_DOCUMENT && scanner.roots() > 1) {
      throw new IllegalStateException("the backend's JSON holds more than one document");
    }
    long consumed = windowStart + windowLength;
    if (document != null && document.inMember && document.action != Action.KEEP) {
      cut(consumed);
    } else if (document == null || document.inMember) {
      keep(consumed);
    }
    // Otherwise a document awaits its next member's name: what lies between may be a comma to cut.
    compact();
    flush(sink);
  }

  @Override
  public void end(Consumer<Buffer> sink) {
    out = Buffer.buffer();
    scanner.end();
    if (shape == Shape.ONE_DOCUMENT && (scanner.roots() != 1 || !rootIsObject)) {
      throw new IllegalStateException("the backend's JSON is not one document");
    }
    keep(windowStart + windowLength);
    flush(sink);
  }

  /** The root document's {@code _id}, once read; null if it had none. */
  String documentId() {
    return documentId;
  }

  /** What followed a member left open ({@link Slot#FILLED_HOLD_REST}), without the root's closing brace. */
  Buffer heldRest() {
    return held == null ? Buffer.buffer() : held;
  }

  /** How many members of the root document were passed on; -1 before its end. */
  int rootMembers() {
    return rootMembers;
  }

  private void flush(Consumer<Buffer> sink) {
    if (out.length() > 0) {
      sink.accept(out);
    }
    out = null;
  }

  private final class Tokens implements JsonScanner.Tokens {
    @Override
    public void startContainer(boolean object, long start, long end) {
      Frame top = frames.peek();
      if (top == null) {
        rootIsObject = object;
      }
      Frame frame = new Frame(childRole(top, object));
      frames.push(frame);
      if (frame.role == Role.DOCUMENT) {
        keep(end);
        document = frame;
      }
    }

    @Override
    public void endContainer(boolean object, long start, long end) {
      Frame frame = frames.pop();
      if (frame == document) {
        document = null;
        if (frame.dropComma) {
          cut(start);
        }
        if (frames.isEmpty()) {
          rootMembers = frame.members;
          if (leaveRootOpen) {
            keep(start);
            cut(end);
            return;
          }
        }
        keep(end);
      }
      valueEnded(frames.peek(), end);
    }

    @Override
    public void name(String name, long start, long end) {
      Frame top = frames.peek();
      top.field = name;
      if (top == document && !top.inMember) {
        onMemberName(top, name, start, end);
      }
    }

    @Override
    public void scalar(long start, long end, String text) {
      if (idNext && text != null) {
        documentId = text;
      }
      idNext = false;
      valueEnded(frames.peek(), end);
    }
  }

  private void onMemberName(Frame doc, String name, long start, long end) {
    if (doc.dropComma) {
      // The comma after a cut first member goes with it.
      cut(start);
      doc.dropComma = false;
    }
    Action action = name != null && name.equals(captured) && frames.size() == 1 ? Action.CAPTURE
        : name != null && name.startsWith("_") && !POUCHDB_MEMBERS.contains(name) ? Action.DROP
        : Action.KEEP;
    doc.inMember = true;
    doc.action = action;
    idNext = "_id".equals(name) && frames.size() == 1;
    if (idNext) {
      scanner.captureNextString();
    }
    if (action == Action.CAPTURE) {
      doc.captureStart = end;
    }
    boolean before = doc.members > 0;
    if (action == Action.KEEP) {
      keep(end);
      doc.members++;
    } else if (doc.members > 0) {
      // Cut from the end of the previous member: its comma goes.
      cut(start);
    } else {
      keep(start);
      doc.dropComma = true;
    }
    if (action == Action.CAPTURE) {
      rewrite.start(before ? 1 : 0, out);
    }
  }

  /** A value that is a direct child of {@code parent} ended at {@code end}. */
  private void valueEnded(Frame parent, long end) {
    if (parent == null || parent != document || !parent.inMember) {
      return;
    }
    if (parent.action == Action.KEEP) {
      keep(end);
    } else {
      cut(end);
    }
    if (parent.action == Action.CAPTURE) {
      Slot slot = rewrite.end(out);
      if (slot != Slot.EMPTY) {
        // The rewrite's member stands in for this one: the commas around it stay.
        parent.members++;
        parent.dropComma = false;
      }
      if (slot == Slot.FILLED_HOLD_REST) {
        held = Buffer.buffer();
      }
    }
    parent.inMember = false;
    parent.captureStart = -1;
  }

  private Role childRole(Frame parent, boolean object) {
    if (parent == null) {
      if (shape != Shape.FEED) {
        return object ? Role.DOCUMENT : shape == Shape.DOCUMENT ? Role.OPEN_REVS : Role.OTHER;
      }
      return object ? Role.ENTRY : Role.OTHER;
    }
    String field = parent.field;
    return switch (parent.role) {
      case OPEN_REVS -> object ? Role.OPEN_REV : Role.OTHER;
      case OPEN_REV -> object && "ok".equals(field) ? Role.DOCUMENT : Role.OTHER;
      case ENTRIES -> object ? Role.ENTRY : Role.OTHER;
      case ENTRY -> object && "doc".equals(field) ? Role.DOCUMENT
          : !object && ("results".equals(field) || "rows".equals(field)) ? Role.ENTRIES
          : !object && "docs".equals(field) ? Role.OPEN_REVS
          : Role.OTHER;
      case DOCUMENT, OTHER -> Role.OTHER;
    };
  }

  private void append(byte[] bytes) {
    if (windowLength + bytes.length > window.length) {
      window = Arrays.copyOf(window, Math.max(window.length * 2, windowLength + bytes.length));
    }
    System.arraycopy(bytes, 0, window, windowLength, bytes.length);
    windowLength += bytes.length;
  }

  /** Passes on the undecided bytes before {@code offset}. */
  private void keep(long offset) {
    if (offset > decided) {
      Buffer to = held == null ? out : held;
      if (to == held && held.length() + offset - decided > MAX_HELD_BYTES) {
        throw new IllegalStateException("a document held while its attachments follow is over "
            + MAX_HELD_BYTES / 1024 + " KiB");
      }
      to.appendBytes(window, (int) (decided - windowStart), (int) (offset - decided));
      decided = offset;
    }
  }

  /** Cuts the undecided bytes before {@code offset}, keeping aside those of a captured value. */
  private void cut(long offset) {
    if (offset <= decided) {
      return;
    }
    if (document != null && document.action == Action.CAPTURE && document.captureStart >= 0) {
      long from = Math.max(decided, document.captureStart);
      if (offset > from) {
        rewrite.feed(window, (int) (from - windowStart), (int) (offset - from), out);
      }
    }
    decided = offset;
  }

  private void compact() {
    int undecided = (int) (decided - windowStart);
    if (undecided > 0) {
      System.arraycopy(window, undecided, window, 0, windowLength - undecided);
      windowLength -= undecided;
      windowStart = decided;
    }
    if (window.length > 65536 && windowLength < window.length / 4) {
      window = Arrays.copyOf(window, Math.max(4096, windowLength));
    }
  }
}
