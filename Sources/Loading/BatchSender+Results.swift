import StreamIO
import ConversionAPI
import JSONCodec
import SyncCore

extension BatchSender {
    /// An item outcome as an ack (with Conversion's ids and the dedupe keys) or a reject.
    func result(_ record: PendingRecord, _ outcome: ItemOutcome) -> RecordResult {
        switch outcome {
        case .failure(let code, let message):
            // contact_not_found may resolve later (docs/api.md); transient codes too.
            let reject = RejectCode(code)
            return .reject(
                code: reject, message: scrub(message), httpStatus: 200, attempts: 1, retryable: reject.isRetryable)
        case .success(let data):
            return .ack(data)
        }
    }

    /// Decision 5: events rejected contact_not_found that carry an email get their contact
    /// created (a bare upsert) and are sent once more; userId-only ones stay rejected.
    func retryMissingContacts(_ records: [PendingRecord], _ results: [RecordResult]) -> [RecordResult] {
        var retry: [Int] = []
        for (i, r) in results.enumerated() {
            if case .reject(let code, _, _, _, _) = r, code == .contactNotFound, records[i].email != nil {
                retry.append(i)
            }
        }
        guard !retry.isEmpty else { return results }
        var emails: [String] = []
        for i in retry {
            let email = records[i].email!
            if !emails.contains(where: { $0.lowercased() == email.lowercased() }) { emails.append(email) }
        }
        var out = results
        var created = 0
        for chunk in stride(from: 0, to: emails.count, by: APIContract.contactsPerBatch) {
            let part = emails[chunk..<min(chunk + APIContract.contactsPerBatch, emails.count)]
            var w = JSONWriter(capacity: 1024)
            w.writeValue(RecordRequests.batchBody(.contacts, part.map { ["email": .string($0)] }))
            if case .outcomes(let o) = post(
                APIContract.contactsBatchPath, w.bytes.array, count: part.count,
                attempts: configuration.retry.maxAttempts)
            {
                created += o.filter { if case .success = $0 { return true } else { return false } }.count
            }
        }
        counters.update { $0.contactsCreatedForEvents += created }
        let again = deliver(.events, retry.map { records[$0] })
        for (slot, i) in retry.enumerated() { out[i] = again[slot] }
        return out
    }
}
