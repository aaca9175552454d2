package org.tegami.server.http;

/**
 * The limits of the JDK's HTTP server ({@code com.sun.net.httpserver}), which it reads once per process from system
 * properties, when the first server of the process is created: every listener of ours calls {@link #apply} before it
 * creates its server, so the limits hold whichever starts first (the metrics listener starts before autoconfig).
 */
public final class HttpServerLimits {
    private HttpServerLimits() {}

    /** Sets our limits unless the operator chose them; call before any {@code HttpServer.create}. */
    public static void apply() {
        // Autoconfig requests carry a handful of headers; the JDK defaults (200 headers, 384 KiB) are generous.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaders", "64");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaderSize", "16384");
        // Slowloris: a request must arrive within this many seconds.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "30");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", "30");
    }
}
