package io.dpft.cli;

import io.dpft.core.tasks.TaskKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --task NAME} to a {@link TaskKind}, by {@link TaskKind#parse}, so that picocli reports a
 * bad name as an invalid value of the flag.
 */
final class TaskKindConverter implements ITypeConverter<TaskKind> {

  @Override
  public TaskKind convert(String value) {
    try {
      return TaskKind.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
