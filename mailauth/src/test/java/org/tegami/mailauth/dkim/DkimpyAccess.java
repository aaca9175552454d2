package org.tegami.mailauth.dkim;

/** {@link Dkimpy} for tests in other packages. */
public final class DkimpyAccess {
    private DkimpyAccess() {}

    public static String run(String script, String... args) throws Exception {
        return Dkimpy.run(script, args);
    }
}
