package org.roifeatures.spark.conf;

/**
 * The user documentation of the options, generated from {@link JobOptions}: the README's options
 * table and {@code conf/roi-features.properties}. {@code OptionsDocTest} fails when either file
 * drifts from the definitions; {@code main} prints both so they can be regenerated.
 */
public final class OptionsDoc {

  /** The README's options table sits between these two lines. */
  public static final String TABLE_BEGIN = "<!-- options table: generated from JobOptions by OptionsDoc -->";
  public static final String TABLE_END = "<!-- end of options table -->";

  private OptionsDoc() {}

  /** The README table: one row per user option. */
  public static String markdownTable() {
    StringBuilder s = new StringBuilder();
    s.append("| option | default | meaning |\n|---|---|---|\n");
    for (JobOptions.Option o : JobOptions.userOptions()) {
      s.append("| `").append(o.key()).append("` | ").append(o.defaultText().replace("|", "\\|"))
          .append(" | ").append(o.fullDoc().replace("|", "\\|")).append(" |\n");
    }
    return s.toString();
  }

  /** {@code conf/roi-features.properties}: every user option with its default and doc. */
  public static String propertiesFile() {
    StringBuilder s = new StringBuilder();
    s.append("# roi-features job configuration (Java properties), generated from the option\n");
    s.append("# definitions (JobOptions; regenerate with OptionsDoc). Every key can also be given on\n");
    s.append("# the command line as --key value (which wins over this file) or as\n");
    s.append("# spark.roifeatures.<key> in the Spark conf. Required keys are commented out.\n");
    for (JobOptions.Option o : JobOptions.userOptions()) {
      s.append("\n# ").append(o.fullDoc()).append('\n');
      if (o.defaultValue() == null) {
        s.append("# ").append(o.key()).append(" =\n");
      } else {
        s.append(o.key()).append(" = ").append(o.defaultValue()).append('\n');
      }
    }
    return s.toString();
  }

  /** Prints the table (argument {@code table}) or the properties file (anything else). */
  public static void main(String[] args) {
    System.out.print(args.length > 0 && args[0].equals("table") ? markdownTable() : propertiesFile());
  }
}
