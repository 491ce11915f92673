namespace City.Protocols.Modbus;

/// <summary>Function codes implemented by this library.</summary>
public enum ModbusFunctionCode : byte
{
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
    WriteSingleRegister = 0x06,
    WriteMultipleRegisters = 0x10,
}
