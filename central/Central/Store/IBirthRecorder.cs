using City.Contract.Wire;

namespace City.Central.Store;

/// <summary>
/// A store that also keeps what committed births say about the cabinet (its site) and its lamps (their asset data), in
/// tables other tools read (PostgreSQL's <c>sites</c> and <c>assets</c>). Central's own view of them stays in Assets.
/// </summary>
internal interface IBirthRecorder
{
    /// <summary>Writes the births' sites and lamps (after their group's commit); throws <see cref="StoreFaultException"/> on a store error.</summary>
    void RecordBirths(IReadOnlyList<Birth> births, long nowUnixMs);
}
