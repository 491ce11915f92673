namespace City.Contract;

/// <summary>The reasons of a REJECTED <see cref="CommandResult"/> (<see cref="CommandResult.Reason"/>), as central reports them.</summary>
public static class CommandRejections
{
    public const string Signature = "signature";
    public const string Expired = "expired";
    public const string WrongGateway = "wrong-gateway";
    public const string UnknownTarget = "unknown-target";
    public const string OutOfRange = "out-of-range";
    public const string NotPermitted = "not-permitted";
    public const string Duplicate = "duplicate";

    /// <summary>Every reason, in the order of docs/contract.md.</summary>
    public static IReadOnlyList<string> All { get; } = [Signature, Expired, WrongGateway, UnknownTarget, OutOfRange, NotPermitted, Duplicate];
}
