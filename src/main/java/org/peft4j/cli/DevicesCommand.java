package org.peft4j.cli;

import org.peft4j.backend.BackendProvider;
import org.peft4j.backend.Backends;
import picocli.CommandLine.Command;

/** Lists the backends found on the class path and which one {@code --backend auto} would pick. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List compute backends and which one --backend auto would run.")
final class DevicesCommand implements Runnable {
    @picocli.CommandLine.Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public void run() {
        String auto = "jvm";
        for (BackendProvider p : Backends.providers()) {
            System.out.printf("%-8s %-10s %s%n", p.name(), p.available() ? "available" : "unusable", p.describe());
            if (!p.name().equals("jvm") && p.available() && auto.equals("jvm")) auto = p.name();
        }
        System.out.println("--backend auto -> " + auto);
    }
}
