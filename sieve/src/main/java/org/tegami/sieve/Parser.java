package org.tegami.sieve;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tegami.sieve.Ast.Arg;
import org.tegami.sieve.Ast.Node;
import org.tegami.sieve.Lexer.Kind;
import org.tegami.sieve.Lexer.Token;

/** Recursive-descent parser for the RFC 5228 §8.2 grammar, bounded by {@link SieveLimits#nesting()}. */
final class Parser {
    private final List<Token> tokens;
    private final SieveLimits limits;
    private int i;
    private int depth;

    private Parser(List<Token> tokens, SieveLimits limits) {
        this.tokens = tokens;
        this.limits = limits;
    }

    static List<Node> parse(String source, SieveLimits limits) throws SieveException {
        Parser p = new Parser(Lexer.tokens(source, limits), limits);
        List<Node> commands = p.commands();
        Token t = p.peek();
        if (t.kind() != Kind.EOF) throw p.err(t, "unexpected " + describe(t));
        return commands;
    }

    private Token peek() {
        return tokens.get(i);
    }

    private Token take() {
        return tokens.get(i++);
    }

    private SieveException err(Token t, String m) {
        return new SieveException(t.line(), t.column(), m);
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of script";
            case IDENT -> "'" + t.text() + "'";
            case TAG -> "':" + t.text() + "'";
            case NUMBER -> "number";
            case STRING, MULTILINE -> "string";
            default -> "'" + t.text() + "'";
        };
    }

    private void enter(Token t) throws SieveException {
        if (++depth > limits.nesting()) throw err(t, "nesting deeper than " + limits.nesting());
    }

    private List<Node> commands() throws SieveException {
        List<Node> out = new ArrayList<>();
        while (peek().kind() == Kind.IDENT) out.add(command());
        return out;
    }

    private Node command() throws SieveException {
        Token name = take();
        List<Arg> args = new ArrayList<>();
        List<Node> tests = new ArrayList<>();
        boolean list = arguments(args, tests);
        Token t = take();
        List<Node> block = null;
        if (t.kind() == Kind.LBRACE) {
            enter(t);
            block = commands();
            Token close = take();
            if (close.kind() != Kind.RBRACE) throw err(close, "expected '}' but found " + describe(close));
            depth--;
        } else if (t.kind() != Kind.SEMI) {
            throw err(t, "expected ';' but found " + describe(t));
        }
        return new Node(name.text().toLowerCase(Locale.ROOT), args, tests, list, block, name.line(), name.column());
    }

    /** Reads {@code *argument [test / test-list]}; returns whether a parenthesised test list was read. */
    private boolean arguments(List<Arg> args, List<Node> tests) throws SieveException {
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case TAG -> {
                    take();
                    args.add(new Ast.Tag(t.text().toLowerCase(Locale.ROOT), t.line(), t.column()));
                }
                case NUMBER -> {
                    take();
                    args.add(new Ast.Num(t.number(), t.line(), t.column()));
                }
                case STRING, MULTILINE -> {
                    take();
                    args.add(new Ast.Strs(List.of(t.text()), false, t.line(), t.column()));
                }
                case LBRACKET -> args.add(stringList());
                case IDENT -> {
                    tests.add(test());
                    return false;
                }
                case LPAREN -> {
                    take();
                    enter(t);
                    while (true) {
                        tests.add(test());
                        Token sep = take();
                        if (sep.kind() == Kind.RPAREN) break;
                        if (sep.kind() != Kind.COMMA) throw err(sep, "expected ',' or ')' but found " + describe(sep));
                    }
                    depth--;
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
    }

    private Node test() throws SieveException {
        Token name = take();
        if (name.kind() != Kind.IDENT) throw err(name, "expected a test but found " + describe(name));
        enter(name);
        List<Arg> args = new ArrayList<>();
        List<Node> tests = new ArrayList<>();
        boolean list = arguments(args, tests);
        depth--;
        return new Node(name.text().toLowerCase(Locale.ROOT), args, tests, list, null, name.line(), name.column());
    }

    private Arg stringList() throws SieveException {
        Token open = take();
        List<String> values = new ArrayList<>();
        while (true) {
            Token t = take();
            if (t.kind() != Kind.STRING && t.kind() != Kind.MULTILINE) throw err(t, "expected a string but found " + describe(t));
            values.add(t.text());
            if (values.size() > limits.stringListSize()) throw err(t, "string list longer than " + limits.stringListSize());
            Token sep = take();
            if (sep.kind() == Kind.RBRACKET) break;
            if (sep.kind() != Kind.COMMA) throw err(sep, "expected ',' or ']' but found " + describe(sep));
        }
        return new Ast.Strs(List.copyOf(values), true, open.line(), open.column());
    }
}
