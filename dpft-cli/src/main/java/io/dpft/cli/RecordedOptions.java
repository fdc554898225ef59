package io.dpft.cli;

import io.dpft.core.runs.RunDirectory;
import io.dpft.core.train.RunManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The options of {@code dpft train} as a run records them ({@code config.json}'s
 * {@code output.command}: every option's value, given or default, paths made absolute), and what
 * {@code --resume} does with them: it takes the run's options, accepts only {@link #RESUMABLE}
 * ones that differ, and refuses any other given option whose value differs, naming each.
 */
final class RecordedOptions {
  /** Options a resume may change: they change neither what is computed nor what is spent. */
  static final Set<String> RESUMABLE = Set.of("--physical-batch-size", "--checkpoint-every");

  /**
   * Options that say where and how to run, not what the run is ({@code --spark}: config.json's
   * {@code executors} records where the run computed).
   */
  private static final Set<String> NOT_RECORDED =
      Set.of("--run-dir", "--resume", "--config", "--spark", "--help", "--version");

  private RecordedOptions() {}

  /** The options of the parsed command {@code spec}, by longest name. */
  static Map<String, String> of(CommandSpec spec) {
    Map<String, String> recorded = new TreeMap<>();
    for (OptionSpec option : spec.options()) {
      Object value = option.getValue();
      if (NOT_RECORDED.contains(option.longestName()) || option.hidden() || value == null
          || Boolean.FALSE.equals(value)) {
        continue;
      }
      recorded.put(option.longestName(), text(option));
    }
    return recorded;
  }

  /**
   * For {@code --resume}: parses {@code spec}'s command again with the run's recorded options in
   * place of those not given.
   *
   * @param fresh a new instance of the command, to read the recorded options into
   * @throws IllegalArgumentException naming each given option that differs from the run's
   */
  static void adopt(CommandSpec spec, Path runDirectory, Supplier<Object> fresh)
      throws IOException {
    RunManifest manifest = RunDirectory.open(runDirectory).manifest();
    Map<String, String> recorded =
        manifest.output() == null ? Map.of() : manifest.output().command();
    if (recorded.isEmpty()) {
      return; // started from the library: the library compares the settings
    }
    CommandLine run = new CommandLine(fresh.get());
    List<String> runArgs = new ArrayList<>(List.of("--run-dir", runDirectory.toString()));
    recorded.forEach((name, value) -> runArgs.addAll(args(spec, name, value)));
    run.parseArgs(runArgs.toArray(String[]::new));

    ParseResult given = spec.commandLine().getParseResult();
    List<String> changes = new ArrayList<>();
    List<String> args = new ArrayList<>();
    for (OptionSpec option : given.matchedOptions()) {
      String name = option.longestName();
      for (String value : option.originalStringValues()) {
        args.addAll(option.typeInfo().isBoolean() ? List.of(name) : List.of(name, value));
      }
      if (NOT_RECORDED.contains(name) || RESUMABLE.contains(name)) {
        continue;
      }
      Object was = normalized(run.getCommandSpec().findOption(name).getValue());
      if (!Objects.equals(normalized(option.getValue()), was)) {
        changes.add(
            (option.typeInfo().isBoolean() ? name : name + " " + text(option))
                + (!recorded.containsKey(name)
                    ? " (the run did not use it)"
                    : recorded.get(name).equals(option.defaultValue())
                        ? " (the run used the default)"
                        : " (the run used " + recorded.get(name) + ")"));
      }
    }
    if (!changes.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot resume " + runDirectory + " with other settings than it was started with: "
              + String.join(", ", changes) + ". A resume takes the run's settings from its "
              + RunManifest.FILE + " (only " + String.join(" and ", new TreeSet<>(RESUMABLE))
              + " may change): leave these out, or start a new --run-dir");
    }
    recorded.forEach((name, value) -> {
      if (!given.hasMatchedOption(name)) {
        args.addAll(args(spec, name, value));
      }
    });
    spec.commandLine().parseArgs(args.toArray(String[]::new));
  }

  /**
   * For {@code --config}: parses {@code spec}'s command again with {@code options} (by flag) in
   * place of the options not given on the command line, which override them.
   *
   * @throws IllegalArgumentException naming an option this command does not have, or a value
   *     picocli cannot convert
   */
  static void fill(CommandSpec spec, Map<String, String> options) {
    ParseResult given = spec.commandLine().getParseResult();
    List<String> args = new ArrayList<>();
    for (OptionSpec option : given.matchedOptions()) {
      for (String value : option.originalStringValues()) {
        args.addAll(
            option.typeInfo().isBoolean() ? List.of(option.longestName())
                : List.of(option.longestName(), value));
      }
    }
    options.forEach((name, value) -> {
      OptionSpec option = spec.findOption(name);
      if (option == null) {
        throw new IllegalArgumentException("--config: dpft train has no option " + name);
      }
      if (given.hasMatchedOption(option) || NOT_RECORDED.contains(option.longestName())) {
        return;
      }
      if (!option.typeInfo().isBoolean()) {
        args.addAll(List.of(name, value));
      } else if (Boolean.parseBoolean(value)) {
        args.add(name);
      }
    });
    try {
      spec.commandLine().parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException("--config: " + e.getMessage(), e);
    }
  }

  /** The command-line words that give option {@code name} the recorded {@code value}. */
  private static List<String> args(CommandSpec spec, String name, String value) {
    OptionSpec option = spec.findOption(name);
    if (option == null) {
      throw new IllegalArgumentException(
          "the run was started with " + name + ", which this version of dpft train does not have");
    }
    return option.typeInfo().isBoolean() ? List.of(name) : List.of(name, value);
  }

  /** The option's value as given on the command line, or its default; paths absolute. */
  private static String text(OptionSpec option) {
    List<String> given = option.originalStringValues();
    String text;
    if (!given.isEmpty()) {
      text = given.get(given.size() - 1);
    } else {
      text =
          option.defaultValue() != null
              ? option.defaultValue()
              : String.valueOf((Object) option.getValue());
    }
    return option.getValue() instanceof Path path ? normalized(path).toString() : text;
  }

  private static Object normalized(Object value) {
    return value instanceof Path path ? path.toAbsolutePath().normalize() : value;
  }
}
