package org.peft4j.backend.tornado;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.peft4j.backend.jvm.JvmBackend;

/** The JVM backend (the reference) and the TornadoVM backend (under test), opened once per test class. */
abstract class BothBackends {
    static JvmBackend jvm;
    static TornadoBackend tornado;

    @BeforeAll
    static void start() {
        jvm = new JvmBackend(2);
        tornado = (TornadoBackend) new TornadoBackendProvider().create(2);
    }

    @AfterAll
    static void stop() {
        tornado.close();
        jvm.close();
    }
}
