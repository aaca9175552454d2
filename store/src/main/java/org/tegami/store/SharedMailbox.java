package org.tegami.store;

import org.tegami.mime.EmailAddress;

/**
 * Another account's mailbox that a user has rights on (RFC 4314), as {@link MailStore#sharedWith} lists it.
 *
 * @param rights     the union of the rights granted to the user and to anyone
 * @param subscribed whether this user subscribed to it (the owner's subscription is {@link Mailbox#subscribed})
 */
public record SharedMailbox(Mailbox mailbox, EmailAddress owner, String rights, boolean subscribed) {}
