package io.syncgate.config;

import io.netty.util.NetUtil;
import java.util.Arrays;

/**
 * An IP address or CIDR range ({@code 10.0.0.5}, {@code 10.0.0.0/8}, {@code fd00::/8}), matched
 * against addresses written as IP literals. Nothing is looked up: a host name is not a range.
 */
public record AddressRange(byte[] network, int prefixBits) {

  public AddressRange {
    network = network.clone();
  }

  /** The range {@code text} names, or null when it names none. */
  public static AddressRange parse(String text) {
    int slash = text.indexOf('/');
    byte[] address = literal(slash < 0 ? text.trim() : text.substring(0, slash).trim());
    if (address == null) {
      return null;
    }
    int bits = address.length * 8;
    if (slash >= 0) {
      String prefix = text.substring(slash + 1).trim();
      if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > bits) {
        return null;
      }
      bits = Integer.parseInt(prefix);
    }
    return new AddressRange(address, bits);
  }

  /** Whether {@code address}, an IP literal, lies in this range; false for anything else. */
  public boolean contains(String address) {
    byte[] bytes = address == null ? null : literal(address);
    if (bytes == null || bytes.length != network.length) {
      return false;
    }
    int whole = prefixBits / 8;
    for (int i = 0; i < whole; i++) {
      if (bytes[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixBits % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (bytes[whole] & mask) == (network[whole] & mask);
  }

  /** An IP literal's bytes, an IPv4-mapped IPv6 address as its IPv4 one; null if not a literal. */
  private static byte[] literal(String text) {
    String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(bare);
    if (bytes != null && bytes.length == 16 && isMappedIpv4(bytes)) {
      return Arrays.copyOfRange(bytes, 12, 16);
    }
    return bytes;
  }

  private static boolean isMappedIpv4(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AddressRange range && range.prefixBits == prefixBits && Arrays.equals(range.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixBits;
  }

  @Override
  public String toString() {
    return NetUtil.bytesToIpAddress(network) + "/" + prefixBits;
  }
}
