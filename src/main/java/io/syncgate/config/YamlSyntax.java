package io.syncgate.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Says what is wrong with a configuration file that is not valid YAML, in the parser's own words
 * and where: {@code line 14, column 14: while parsing a flow sequence: expected ',' or ']', but got
 * : (at line 15, column 13)}. Never the offending line itself, which SnakeYAML quotes under its
 * message and which may hold a secret.
 */
final class YamlSyntax {

  /** A reason longer than this is cut: the parser's reasons are short, anything longer is not one. */
  private static final int MAX_REASON = 160;

  private YamlSyntax() {}

  static String problem(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException marked) {
      return "configuration file: not valid YAML " + where(marked);
    }
    if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
        && e.getProcessor() instanceof JsonParser parser) {
      // Jackson names the key alone ("Duplicate field 'port'"); a reader looks for its full path.
      String key = ConfigBinder.path(parser);
      return (key.isEmpty() ? "configuration file" : key) + ": written twice" + line(e.getLocation())
          + ": a key appears once in its mapping, keep one";
    }
    return "configuration file: not valid YAML: " + reason(e.getOriginalMessage()) + line(e.getLocation());
  }

  /**
   * SnakeYAML says what it was reading (its context, e.g. an opened {@code [}) and where that
   * began, then the problem and where it found it. The context's place comes first: an unclosed
   * bracket is on its own line, not on the next one, where the parser noticed.
   */
  private static String where(MarkedYAMLException marked) {
    String problem = reason(marked.getProblem());
    Mark found = marked.getProblemMark();
    if (marked.getContext() != null && marked.getContextMark() != null) {
      return "at " + at(marked.getContextMark()) + ": " + reason(marked.getContext()) + ": " + problem
          + (found == null ? "" : " (at " + at(found) + ")");
    }
    return (found == null ? "" : "at " + at(found)) + ": " + problem;
  }

  private static String at(Mark mark) {
    return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
  }

  private static String line(JsonLocation location) {
    return location == null || location.getLineNr() < 0 ? "" : " (line " + location.getLineNr() + ")";
  }

  /** The first line of a parser's reason, tabs named as a reader types them. */
  private static String reason(String text) {
    if (text == null) {
      return "";
    }
    String first = text.lines().findFirst().orElse("").replace("\\t(TAB)", "\\t").strip();
    return first.length() > MAX_REASON ? first.substring(0, MAX_REASON) + "…" : first;
  }
}
