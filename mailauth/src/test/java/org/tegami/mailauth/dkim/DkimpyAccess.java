package org.tegami.mailauth.dkim;

/** {@link Dkimpy} for tests in other packages. */
public final class DkimpyAccess {
    private DkimpyAccess() {}

    public static final String PYTHON = Dkimpy.PYTHON;

    public static java.nio.file.Path keyFile(java.nio.file.Path dir, DkimKey k) throws Exception {
        return Dkimpy.keyFile(dir, k);
    }

    public static String run(String script, String... args) throws Exception {
        return Dkimpy.run(script, args);
    }
}
