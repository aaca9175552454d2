package org.tegami.mailauth.dmarc;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of a DMARC check (RFC 7489 §6.6).
 *
 * @param fromDomain    the RFC5322.From domain (empty when there was no usable From)
 * @param policyDomain  where the record was found: the From domain or its organizational domain
 * @param disposition   what to do with the message: the published policy for a failing message, after sp=, np=,
 *                      pct= and t=; {@code none} for a passing one
 * @param record        the policy record, when one was found
 * @param reasons       why, in short phrases for logs and A-R comments
 */
public record DmarcVerdict(DmarcResult result, String fromDomain, String policyDomain, DmarcPolicy disposition,
        Optional<DmarcRecord> record, boolean spfAligned, boolean dkimAligned, List<String> reasons) {
    public DmarcVerdict {
        reasons = List.copyOf(reasons);
    }
}
