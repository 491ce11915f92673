namespace City.Protocols.Dali.Tests;

public class AnswerAndD4iTests
{
    [Theory]
    [InlineData(DaliBusOutcome.Answer, true)]
    [InlineData(DaliBusOutcome.FramingError, true)]
    [InlineData(DaliBusOutcome.NoAnswer, false)]
    [InlineData(DaliBusOutcome.BusPowerFailure, null)]
    [InlineData(DaliBusOutcome.InterfaceTimeout, null)]
    [InlineData(DaliBusOutcome.InterfaceRejected, null)]
    public void Yes_no_answers_count_any_backward_frame_and_a_collision_as_yes(DaliBusOutcome outcome, bool? expected)
    {
        Assert.Equal(expected, new DaliBusResult(outcome, 0x12).AsYes());
    }

    [Fact]
    public void Numbers_need_one_clean_answer()
    {
        Assert.Equal((byte)0x7F, DaliBusResult.Answer(0x7F).AsNumber());
        Assert.Null(DaliBusResult.FramingError.AsNumber());
        Assert.Null(DaliBusResult.NoAnswer.AsNumber());
        Assert.True(DaliBusResult.NoAnswer.BusWorked);
        Assert.False(DaliBusResult.BusPowerFailure.BusWorked);
    }

    [Theory]
    [InlineData(0x00, DaliGearStatus.None)]
    [InlineData(0x04, DaliGearStatus.LampOn)]
    [InlineData(0x02, DaliGearStatus.LampFailure)]
    [InlineData(0x01, DaliGearStatus.ControlGearFailure)]
    [InlineData(0x08, DaliGearStatus.LimitError)]
    [InlineData(0x10, DaliGearStatus.FadeRunning)]
    [InlineData(0x20, DaliGearStatus.ResetState)]
    [InlineData(0x40, DaliGearStatus.ShortAddressMissing)]
    [InlineData(0x80, DaliGearStatus.PowerCycleSeen)]
    [InlineData(0xE6, DaliGearStatus.LampFailure | DaliGearStatus.LampOn | DaliGearStatus.ResetState | DaliGearStatus.ShortAddressMissing | DaliGearStatus.PowerCycleSeen)]
    public void The_status_bitmap_decodes_bit_by_bit(int value, DaliGearStatus expected)
    {
        Assert.Equal(expected, DaliBusResult.Answer((byte)value).AsStatus());
    }

    [Theory]
    [InlineData("scale 0: 4660 Wh, 25 W", "00 000000001234 00 00000019", 4660, 25)]
    [InlineData("scale -3 (mWh) and -1", "FD 0000000F4240 FF 000000FA", 1000, 25)]
    [InlineData("scale +3 (kWh) and +0", "03 000000000002 00 00000000", 2000, 0)]
    [InlineData("largest 48-bit energy", "00 FFFFFFFFFFFD 00 FFFFFFFD", 281474976710653, 4294967293)]
    public void D4i_bank_202_values_decode_with_their_scale(string description, string hex, decimal energy, decimal power)
    {
        Assert.True(D4iEnergy.TryDecode(Hex.Parse(hex), out var report), description);
        Assert.Equal(D4iValueState.Valid, report.ActiveEnergy.State);
        Assert.Equal(energy, report.ActiveEnergy.Value);
        Assert.Equal("Wh", report.ActiveEnergy.Unit);
        Assert.Equal(power, report.ActivePower.Value);
        Assert.Equal("W", report.ActivePower.Unit);
    }

    [Theory]
    [InlineData("MASK: not implemented", "00 FFFFFFFFFFFF", D4iValueState.NotImplemented)]
    [InlineData("TMASK: temporarily unavailable", "00 FFFFFFFFFFFE", D4iValueState.TemporarilyUnavailable)]
    [InlineData("scale 7 is out of range", "07 000000000001", D4iValueState.Invalid)]
    [InlineData("scale -7 is out of range", "F9 000000000001", D4iValueState.Invalid)]
    [InlineData("no value bytes", "00", D4iValueState.Invalid)]
    public void D4i_special_values_are_named(string description, string hex, D4iValueState expected)
    {
        Assert.True(expected == D4iEnergy.DecodeScaled(Hex.Parse(hex), "Wh").State, description);
    }

    [Fact]
    public void D4i_decode_needs_all_twelve_bytes()
    {
        Assert.False(D4iEnergy.TryDecode(new byte[11], out _));
    }

    [Fact]
    public void D4i_encode_and_decode_agree()
    {
        var bytes = new byte[7];
        D4iEnergy.EncodeScaled(123456789, -2, bytes, 6);
        var value = D4iEnergy.DecodeScaled(bytes, "Wh");
        Assert.Equal(1234567.89m, value.Value);
    }

    [Fact]
    public void The_latch_sequence_writes_0xAA_to_offset_2_of_bank_202()
    {
        var frames = D4iEnergy.LatchCommands(DaliAddress.Short(3)).Select(c => c.Frame.ToString()).ToArray();
        Assert.Equal(["C3CA", "0781", "A302", "C9AA"], frames);
    }

    [Fact]
    public void Random_scaled_values_never_throw()
    {
        var random = new Random(4);
        for (int i = 0; i < 10_000; i++)
        {
            var bytes = new byte[random.Next(0, 14)];
            random.NextBytes(bytes);
            _ = D4iEnergy.DecodeScaled(bytes, "W");
            _ = D4iEnergy.TryDecode(bytes, out _);
        }
    }
}
