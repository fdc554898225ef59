package io.dpft.cli;

import picocli.CommandLine.Command;

/** The layout of every command's help: headings, options in declaration order, full width. */
@Command(
    usageHelpAutoWidth = true,
    sortOptions = false,
    descriptionHeading = "%n",
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    footerHeading = "%nExamples:%n")
final class HelpLayout {}
