package org.tegami.imap.message;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES (the Zawinski algorithm as the RFC adapts it), rendered as
 * the THREAD response's nested lists. Each message is given by its number (sequence number or UID), its sort keys
 * and its sent date (the internal date when it has none).
 */
public final class Threader {
    /** A message to thread. */
    public record Message(long number, SortKeys keys, Instant date) {}

    /** A container of the REFERENCES algorithm: a message, or an empty placeholder for an id only referenced. */
    private static final class Node {
        Message message;
        Node parent;
        final List<Node> children = new ArrayList<>();
        /** Sort keys, set by {@link #finish} once the tree is built (computing them on each comparison was slow). */
        Instant date = Instant.EPOCH;
        long number;

        boolean isAncestorOf(Node other) {
            if (other == this) return true;
            if (children.isEmpty()) return false; // a new message's container: no walk up a long chain
            for (Node n = other; n != null; n = n.parent) if (n == this) return true;
            return false;
        }
    }

    private static final Comparator<Node> BY_DATE = Comparator.comparing((Node n) -> n.date).thenComparingLong(n -> n.number);

    private Threader() {}

    /** ORDEREDSUBJECT: messages grouped by base subject, each group a root with the rest as its children. */
    public static String orderedSubject(List<Message> messages) {
        Map<String, List<Message>> groups = new LinkedHashMap<>();
        messages.stream()
                .sorted(Comparator.comparing((Message m) -> m.keys().subject()).thenComparing(Message::date)
                        .thenComparingLong(Message::number))
                .forEach(m -> groups.computeIfAbsent(m.keys().subject(), k -> new ArrayList<>()).add(m));
        List<Node> roots = new ArrayList<>();
        for (List<Message> g : groups.values()) {
            Node root = node(g.getFirst());
            for (Message m : g.subList(1, g.size())) link(root, node(m));
            roots.add(root);
        }
        for (Node r : roots) finish(r);
        roots.sort(BY_DATE);
        return render(roots);
    }

    /** REFERENCES: threads from Message-ID / References / In-Reply-To, then merged by base subject. */
    public static String references(List<Message> messages) {
        Map<String, Node> byId = new HashMap<>();
        List<Node> all = new ArrayList<>();
        for (Message m : messages) {
            // (1A) a message's own container; a duplicate Message-ID gets a container of its own
            String id = m.keys().messageId().orElse(null);
            Node n = id == null ? null : byId.get(id);
            if (n == null || n.message != null) {
                n = new Node();
                if (id != null && !byId.containsKey(id)) byId.put(id, n);
            }
            n.message = m;
            all.add(n);
            // (1B) link the references in order, never creating a loop
            Node prev = null;
            for (String ref : m.keys().references()) {
                Node r = byId.computeIfAbsent(ref, k -> new Node());
                if (prev != null && r.parent == null && !r.isAncestorOf(prev) && r != prev) link(prev, r);
                prev = r;
            }
            // (1C) the last reference is the parent, replacing any earlier guess
            if (prev != null && (n == prev || n.isAncestorOf(prev))) prev = null;
            if (n.parent != null) n.parent.children.remove(n);
            n.parent = null;
            if (prev != null) link(prev, n);
        }
        Set<Node> seen = new HashSet<>(all);
        seen.addAll(byId.values());
        // (2) the root set
        List<Node> roots = new ArrayList<>();
        for (Node n : seen) if (n.parent == null) roots.add(n);
        // (4) prune empty containers
        roots = prune(roots);
        // (5) group the root set by base subject
        Map<String, Node> subjects = new HashMap<>();
        for (Node r : roots) {
            String subj = subject(r);
            if (subj.isEmpty()) continue;
            Node other = subjects.get(subj);
            if (other == null || (other.message != null && r.message == null)
                    || (other.message != null && r.message != null && isReply(other) && !isReply(r))) {
                subjects.put(subj, r);
            }
        }
        List<Node> merged = new ArrayList<>();
        Set<Node> replaced = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Node r : roots) {
            String subj = subject(r);
            Node keep = subj.isEmpty() ? r : subjects.get(subj);
            if (keep == r) {
                merged.add(r);
                continue;
            }
            if (keep.message == null && r.message == null) {
                for (Node c : new ArrayList<>(r.children)) link(keep, c);
            } else if (keep.message == null) {
                link(keep, r);
            } else if (isReply(r) && !isReply(keep)) {
                link(keep, r);
            } else {
                Node dummy = new Node();
                replaced.add(keep); // removed from merged below: ArrayList.remove here made this quadratic
                replaceInSubjects(subjects, keep, dummy);
                link(dummy, keep);
                link(dummy, r);
                merged.add(dummy);
            }
        }
        merged.removeIf(replaced::contains);
        // (6) siblings by date, then the threads by date
        for (Node r : merged) finish(r);
        merged.sort(BY_DATE);
        return render(merged);
    }

    private static void replaceInSubjects(Map<String, Node> subjects, Node from, Node to) {
        subjects.replaceAll((k, v) -> v == from ? to : v);
    }

    /** RFC 5256 §4 (5)(B): whether the subject had a reply or forward marker that base-subject extraction removed. */
    private static boolean isReply(Node n) {
        return n.message != null && n.message.keys().replyOrForward();
    }

    /** The base subject of a root: its message's, or its first child's when it is a placeholder. */
    private static String subject(Node r) {
        if (r.message != null) return r.message.keys().subject();
        return r.children.isEmpty() || r.children.getFirst().message == null ? "" : r.children.getFirst().message.keys().subject();
    }

    /**
     * RFC 5256 §4 (4): drop empty leaves, promote the children of empty containers (at the root only if one).
     * Iterative, children before parents: a reply chain of any depth cannot overflow the stack.
     */
    private static List<Node> prune(List<Node> roots) {
        List<Node> order = new ArrayList<>();
        java.util.ArrayDeque<Node> stack = new java.util.ArrayDeque<>(roots);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            order.add(n);
            for (Node c : n.children) stack.push(c);
        }
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            List<Node> kids = new ArrayList<>();
            for (Node k : n.children) {
                if (k.message == null) kids.addAll(k.children); // empty: gone, its (pruned) children move up
                else kids.add(k);
            }
            n.children.clear();
            for (Node k : kids) {
                k.parent = n;
                n.children.add(k);
            }
        }
        List<Node> out = new ArrayList<>();
        for (Node n : roots) {
            if (n.message == null && n.children.isEmpty()) continue;
            if (n.message == null && n.children.size() == 1) {
                Node only = n.children.getFirst();
                only.parent = null;
                out.add(only);
                continue;
            }
            out.add(n);
        }
        return out;
    }

    /**
     * RFC 5256 §4 (6): sorts each node's children by date and sets its own sort keys: a message's date and number,
     * or for a placeholder those of the earliest message below it. Iterative, so long reply chains cannot
     * overflow the stack.
     */
    private static void finish(Node root) {
        java.util.ArrayDeque<Node> stack = new java.util.ArrayDeque<>();
        List<Node> order = new ArrayList<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            order.add(n);
            for (Node c : n.children) stack.push(c);
        }
        for (int i = order.size() - 1; i >= 0; i--) { // children before their parents
            Node n = order.get(i);
            n.children.sort(BY_DATE);
            if (n.message != null) {
                n.date = n.message.date();
                n.number = n.message.number();
            } else if (!n.children.isEmpty()) {
                Node first = n.children.getFirst();
                n.date = first.date;
                n.number = first.number;
            }
        }
    }

    private static Node node(Message m) {
        Node n = new Node();
        n.message = m;
        return n;
    }

    private static void link(Node parent, Node child) {
        if (child.parent != null) child.parent.children.remove(child);
        child.parent = parent;
        parent.children.add(child);
    }

    private static String render(List<Node> roots) {
        StringBuilder sb = new StringBuilder();
        for (Node r : roots) {
            sb.append('(');
            render(r, sb);
            sb.append(')');
        }
        return sb.toString();
    }

    /**
     * RFC 5256 §5 thread-members / thread-nested: a message, then its only child as a chain, or its children as
     * adjacent lists; a placeholder shows only its children's lists. Iterative, like {@link #prune}.
     */
    private static void render(Node root, StringBuilder sb) {
        java.util.ArrayDeque<Object> work = new java.util.ArrayDeque<>(); // nodes to render and text to append
        work.push(root);
        while (!work.isEmpty()) {
            Object next = work.pop();
            if (next instanceof String text) {
                sb.append(text);
                continue;
            }
            Node n = (Node) next;
            if (n.message != null) {
                sb.append(n.message.number());
                if (n.children.size() == 1) {
                    sb.append(' ');
                    work.push(n.children.getFirst());
                    continue;
                }
                if (!n.children.isEmpty()) sb.append(' ');
            }
            for (int i = n.children.size() - 1; i >= 0; i--) {
                work.push(")");
                work.push(n.children.get(i));
                work.push("(");
            }
        }
    }
}
