package org.tegami.sieve;

import java.util.List;

/** The syntax tree of a script (RFC 5228 §8.2), with the position of every node for error messages. */
final class Ast {
    private Ast() {}

    sealed interface Arg permits Tag, Num, Strs {
        int line();

        int column();
    }

    /** {@code :name}, lower-cased. */
    record Tag(String name, int line, int column) implements Arg {}

    record Num(long value, int line, int column) implements Arg {}

    /** A string (list == false) or a string list. */
    record Strs(List<String> values, boolean list, int line, int column) implements Arg {}

    /** A test, or a command (which may carry a block). Names are lower-cased. */
    record Node(String name, List<Arg> args, List<Node> tests, boolean testList, List<Node> block, int line,
            int column) {}
}
