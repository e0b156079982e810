package org.peft4j.cli;

import picocli.CommandLine;

/**
 * How the CLI reports failures: a misuse (bad flag, bad value) is one line on stderr and exit
 * code 2; a failure at run time is one line and exit code 1. {@code --debug} (or
 * {@code PEFT4J_DEBUG=1}) adds the stack trace.
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {

    static final int USAGE = 2;
    static final int FAILURE = 1;

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        cmd.getErr().println("peft4j: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        if (debug(args)) ex.printStackTrace(cmd.getErr());
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean usage = ex instanceof IllegalArgumentException;
        String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cmd.getErr().println("peft4j: " + message);
        if (debug(parsed.originalArgs().toArray(String[]::new))) ex.printStackTrace(cmd.getErr());
        return usage ? USAGE : FAILURE;
    }

    private static boolean debug(String[] args) {
        if ("1".equals(System.getenv("PEFT4J_DEBUG"))) return true;
        for (String a : args) if (a.equals("--debug")) return true;
        return false;
    }
}
