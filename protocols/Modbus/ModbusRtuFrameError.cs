namespace City.Protocols.Modbus;

/// <summary>Why <see cref="ModbusRtuFraming"/> rejected a frame (<see cref="System.Buffers.OperationStatus.InvalidData"/>).</summary>
public enum ModbusRtuFrameError
{
    /// <summary>No error: the frame is complete and valid, or more bytes are needed.</summary>
    None,

    /// <summary>The CRC at the end of the frame does not match its contents (line noise, collision, wrong baud or parity).</summary>
    BadCrc,

    /// <summary>The address byte is not the unit the request was sent to.</summary>
    UnexpectedUnit,

    /// <summary>The function byte is neither the request's function nor its exception response (function | 0x80).</summary>
    UnexpectedFunction,

    /// <summary>The frame would be longer than the 256-byte RTU ADU limit.</summary>
    TooLong,

    /// <summary>The function (or MEI type of function 43) is one whose frame length this library cannot determine.</summary>
    UnsupportedFunction,
}
