namespace City.Protocols.Modbus;

/// <summary>Result of decoding a PDU. Everything except <see cref="Valid"/> and <see cref="ExceptionResponse"/> means malformed input.</summary>
public enum ModbusPduStatus
{
    /// <summary>The PDU is well formed and matches what was expected.</summary>
    Valid,

    /// <summary>A well-formed exception response (function | 0x80, code); the code is returned separately.</summary>
    ExceptionResponse,

    /// <summary>Fewer bytes than the function requires.</summary>
    Truncated,

    /// <summary>More bytes than the function defines.</summary>
    TrailingBytes,

    /// <summary>The function code is not the one expected.</summary>
    UnexpectedFunction,

    /// <summary>Register quantity outside the range the function allows (1..125 for register reads, 1..123 for writes, 1..2000 for bit reads, 1..1968 for coil writes, 1..121 for the write part of 23).</summary>
    QuantityOutOfRange,

    /// <summary>The byte count field does not equal twice the register quantity (or ceil(quantity / 8) for bits).</summary>
    ByteCountMismatch,

    /// <summary>A write response does not echo the address, value or quantity of the request.</summary>
    EchoMismatch,

    /// <summary>The caller's destination span is too small for the decoded registers.</summary>
    DestinationTooSmall,

    /// <summary>
    /// A field holds a value the function does not define: a coil value other than FF00/0000, a run indicator other
    /// than 00/FF, a read device id code outside 1..4, an object list that does not add up.
    /// </summary>
    InvalidValue,
}
