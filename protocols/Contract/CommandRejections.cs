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

    /// <summary>A lighting set that does not parse or validate, or names lines and groups the edge does not have.</summary>
    public const string InvalidConfig = "invalid-config";

    /// <summary>Every reason, in the order of docs/contract.md.</summary>
    public static IReadOnlyList<string> All { get; } = [Signature, Expired, WrongGateway, UnknownTarget, OutOfRange, NotPermitted, Duplicate, InvalidConfig];
}
