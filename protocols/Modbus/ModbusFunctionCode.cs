namespace City.Protocols.Modbus;

/// <summary>Function codes implemented by this library.</summary>
public enum ModbusFunctionCode : byte
{
    ReadCoils = 0x01,
    ReadDiscreteInputs = 0x02,
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
    WriteSingleCoil = 0x05,
    WriteSingleRegister = 0x06,
    WriteMultipleCoils = 0x0F,
    WriteMultipleRegisters = 0x10,
    ReportServerId = 0x11,
    MaskWriteRegister = 0x16,
    ReadWriteMultipleRegisters = 0x17,

    /// <summary>Encapsulated interface transport; MEI type 0x0E is read device identification (43/14).</summary>
    EncapsulatedInterfaceTransport = 0x2B,
}
