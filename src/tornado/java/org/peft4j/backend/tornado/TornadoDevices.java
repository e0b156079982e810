package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/** The devices TornadoVM sees, by backend: {@code [backend/device] name}. */
final class TornadoDevices {
    private TornadoDevices() {}

    static List<String> describe() {
        List<String> lines = new ArrayList<>();
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        for (int b = 0; b < backends.size(); b++) {
            TornadoBackend backend = backends.get(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice device = backend.getDevice(d);
                lines.add("[" + b + "/" + d + "] " + device.getPhysicalDevice().getDeviceName() + " (" + device.getPlatformName() + ")"
                        + (b == 0 && d == 0 ? " default" : ""));
            }
        }
        return lines;
    }

    static String defaultDevice() {
        TornadoDevice device = TornadoExecutionPlan.DEFAULT_DEVICE;
        return device.getPhysicalDevice().getDeviceName() + " (" + device.getPlatformName() + ")";
    }
}
