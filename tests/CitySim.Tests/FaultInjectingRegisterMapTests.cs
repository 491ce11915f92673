using City.Protocols.Modbus;
using City.Sim.Devices;

namespace City.Sim.Tests;

public class FaultInjectingRegisterMapTests
{
    private static readonly IModbusRegisterMap Meter = new EnergyMeter(1, DateTimeOffset.UnixEpoch, seed: 0).RegisterMap;

    [Theory]
    [InlineData(0.0, 0.0, false)]
    [InlineData(0.5, 0.49, true)]
    [InlineData(0.5, 0.5, false)]
    [InlineData(1.0, 0.999, true)]
    public void A_request_fails_with_exception_04_when_the_sample_is_below_the_rate(double rate, double sample, bool fails)
    {
        var map = new FaultInjectingRegisterMap(Meter, rate, () => sample);
        var buffer = new ushort[2];

        var result = map.ReadInputRegisters(1, 0, buffer);

        Assert.Equal(fails ? ModbusExceptionCode.ServerDeviceFailure : null, result);
        Assert.Equal(fails ? 1 : 0, map.InjectedFailures);
    }

    [Fact]
    public void Passed_requests_get_the_inner_answer()
    {
        var map = new FaultInjectingRegisterMap(Meter, 0.0);

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.ReadHoldingRegisters(1, 100, new ushort[1]));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, map.WriteSingleRegister(1, 0, 1));
    }
}
