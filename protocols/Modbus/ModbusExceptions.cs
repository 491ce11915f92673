namespace City.Protocols.Modbus;

/// <summary>The server answered with an exception response.</summary>
public sealed class ModbusException : Exception
{
    public ModbusException(byte unitId, ModbusFunctionCode function, ModbusExceptionCode exceptionCode)
        : base($"Unit {unitId} answered function {(byte)function:X2} with exception {(byte)exceptionCode:X2} ({exceptionCode}).")
    {
        UnitId = unitId;
        Function = function;
        ExceptionCode = exceptionCode;
    }

    public byte UnitId { get; }

    public ModbusFunctionCode Function { get; }

    public ModbusExceptionCode ExceptionCode { get; }
}

/// <summary>No response arrived within the request timeout, or the connection could not be opened within the connect timeout.</summary>
public sealed class ModbusTimeoutException : TimeoutException
{
    public ModbusTimeoutException(string message)
        : base(message)
    {
    }

    public ModbusTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The peer sent bytes that are not valid Modbus: bad MBAP header, malformed PDU, or a response that does not
/// belong to the request (wrong unit or function). Derives from <see cref="IOException"/> like other stream failures.
/// </summary>
public sealed class ModbusProtocolException : IOException
{
    public ModbusProtocolException(string message)
        : base(message)
    {
    }

    public ModbusProtocolException(string message, ModbusPduStatus status)
        : base($"{message} ({status}).")
    {
        Status = status;
    }

    /// <summary>Decoder verdict when the PDU was malformed; null for framing and matching errors.</summary>
    public ModbusPduStatus? Status { get; }
}
