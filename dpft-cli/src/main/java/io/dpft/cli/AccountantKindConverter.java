package io.dpft.cli;

import io.dpft.privacy.accounting.AccountantKind;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --accountant rdp|prv|gdp} to an {@link AccountantKind}, by {@link AccountantKind#parse},
 * so that picocli reports a bad name as an invalid value of the flag.
 */
final class AccountantKindConverter implements ITypeConverter<AccountantKind> {

  @Override
  public AccountantKind convert(String value) {
    try {
      return AccountantKind.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** The command-line names, for help texts ({@code ${COMPLETION-CANDIDATES}}) and completion. */
  static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(AccountantKind.values()).map(AccountantKind::cliName).iterator();
    }
  }
}
