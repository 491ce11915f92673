namespace City.Protocols.Snmp;

/// <summary>Base of the errors a manager request ends with.</summary>
public class SnmpException : Exception
{
    public SnmpException(string message)
        : base(message)
    {
    }

    public SnmpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SnmpException()
    {
    }
}

/// <summary>No answer after all retries.</summary>
public sealed class SnmpTimeoutException : SnmpException
{
    public SnmpTimeoutException(string message)
        : base(message)
    {
    }

    public SnmpTimeoutException()
    {
    }

    public SnmpTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The agent answered with an error-status.</summary>
public sealed class SnmpErrorStatusException : SnmpException
{
    public SnmpErrorStatusException(SnmpErrorStatus status, int errorIndex, Oid? failedOid)
        : base($"The agent answered {status} (error-index {errorIndex}{(failedOid is null ? "" : $", {failedOid}")}).")
    {
        Status = status;
        ErrorIndex = errorIndex;
        FailedOid = failedOid;
    }

    public SnmpErrorStatus Status { get; }

    public int ErrorIndex { get; }

    public Oid? FailedOid { get; }
}

/// <summary>An SNMPv3 security failure: a Report from the agent (unknown user, wrong digest, ...) or a response that fails our checks.</summary>
public sealed class SnmpSecurityException : SnmpException
{
    public SnmpSecurityException(UsmStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    public UsmStatus Status { get; }
}
