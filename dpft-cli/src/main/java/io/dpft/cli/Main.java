package io.dpft.cli;

/** Entry point placeholder until the picocli commands land. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("dpft " + String.join(" ", args));
  }
}
