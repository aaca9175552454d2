package org.tegami.imap.proto;

/** One tagged client command. */
public record ImapRequest(String tag, ImapCommand command) {}
