namespace City.Protocols.Modbus.DataModel;

/// <summary>
/// The four tables of the Modbus data model (Modbus Application Protocol V1.1b3, section 4.3): which one a point lives in
/// decides the function that reads it and whether it can be written.
/// </summary>
public enum ModbusTable
{
    /// <summary>Read-only registers (FC04).</summary>
    Input,

    /// <summary>Read/write registers (FC03, FC06, FC16).</summary>
    Holding,

    /// <summary>Read/write bits (FC01, FC05).</summary>
    Coil,

    /// <summary>Read-only bits (FC02).</summary>
    Discrete,
}

public static class ModbusTableExtensions
{
    public static bool IsBitTable(this ModbusTable table) => table is ModbusTable.Coil or ModbusTable.Discrete;

    public static bool IsWritableTable(this ModbusTable table) => table is ModbusTable.Holding or ModbusTable.Coil;

    /// <summary>The read function of the table: FC01, FC02, FC03 or FC04.</summary>
    public static ModbusFunctionCode ReadFunction(this ModbusTable table) => table switch
    {
        ModbusTable.Coil => ModbusFunctionCode.ReadCoils,
        ModbusTable.Discrete => ModbusFunctionCode.ReadDiscreteInputs,
        ModbusTable.Holding => ModbusFunctionCode.ReadHoldingRegisters,
        _ => ModbusFunctionCode.ReadInputRegisters,
    };

    /// <summary>The configuration name: input, holding, coil, discrete (<see cref="RegisterDecoding.TryParseTable"/> reads it back).</summary>
    public static string ConfigName(this ModbusTable table) => table switch
    {
        ModbusTable.Coil => "coil",
        ModbusTable.Discrete => "discrete",
        ModbusTable.Holding => "holding",
        _ => "input",
    };
}
