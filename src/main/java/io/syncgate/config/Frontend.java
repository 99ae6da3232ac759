package io.syncgate.config;

import java.util.List;

/**
 * How clients reach Syncgate. {@code publicOrigins} are the web origins its users' pages see it
 * at ({@code https://sync.example.com}): a request from a browser that names no
 * {@code Sec-Fetch-Site} is same-origin only when its {@code Origin} is exactly one of them (empty:
 * {@code http} or {@code https} with the request's own {@code Host}). {@code trustedProxies} are
 * the addresses or CIDR ranges of the load balancers in front, whose {@code X-Forwarded-For} names
 * the client; a request from anywhere else is its peer's. Limits per client count by that address.
 */
public record Frontend(List<String> publicOrigins, List<AddressRange> trustedProxies) {

  public Frontend {
    publicOrigins = List.copyOf(publicOrigins);
    trustedProxies = List.copyOf(trustedProxies);
  }

  public static Frontend none() {
    return new Frontend(List.of(), List.of());
  }
}
