package io.dpft.cli;

import io.dpft.core.models.BertModel;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --pooling cls|mean} to a {@link BertModel.Pooling}; a bad name is an invalid value. */
final class PoolingConverter implements ITypeConverter<BertModel.Pooling> {

  @Override
  public BertModel.Pooling convert(String value) {
    try {
      return BertModel.Pooling.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("pooling must be cls or mean, got '" + value + "'");
    }
  }
}
