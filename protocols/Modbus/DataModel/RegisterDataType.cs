namespace City.Protocols.Modbus.DataModel;

/// <summary>How a value's registers are interpreted (their layout is the <see cref="WordOrder"/>).</summary>
public enum RegisterDataType
{
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    UInt64,
    Int64,
    Float64,

    /// <summary>One register (true when it is not zero), or one coil / discrete input.</summary>
    Bool,

    /// <summary>ASCII text, two characters per register; its width is given separately (a point's Length).</summary>
    String,
}
