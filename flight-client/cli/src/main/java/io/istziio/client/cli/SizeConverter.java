package io.istziio.client.cli;

import io.istziio.client.protocol.ByteSizes;
import picocli.CommandLine;

/** Sizes with the suffixes of the node's --cache-size (see {@link ByteSizes}). */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    try {
      return ByteSizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
