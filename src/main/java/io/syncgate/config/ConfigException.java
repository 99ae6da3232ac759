package io.syncgate.config;

import java.util.List;

/** The configuration cannot be used; carries every problem found, one line each, naming the key. */
public final class ConfigException extends Exception {

  private final List<String> problems;

  ConfigException(List<String> problems) {
    super("invalid configuration:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
