package store

import (
	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The store boundary between the records the core works with, which carry Google's
// actionscenter.v3 messages, and what both stores write (proto/bookingserver/v1/
// stored.proto), which is ours: a change of Google's proto is then a change of this
// file, never of the disk format. Every conversion is written out field by field;
// stored_test.go fails when a field of either side is left out.

// recordMarshal encodes every record the stores write: deterministic, so that equal
// records are equal bytes.
var recordMarshal = proto.MarshalOptions{Deterministic: true}

// marshal encodes m in its stored form.
func marshal(m proto.Message) ([]byte, error) {
	return recordMarshal.Marshal(storedForm(m))
}

// storedForm is the message written for m: its stored counterpart where m carries
// Google's types, else m itself.
func storedForm(m proto.Message) proto.Message {
	switch r := m.(type) {
	case *bsv1.BookingRecord:
		return storedBookingRecord(r)
	case *bsv1.IdempotencyRecord:
		return storedIdempotencyRecord(r)
	case *bsv1.OutboxRecord:
		return storedOutboxRecord(r)
	case *bsv1.ServiceCart:
		return storedServiceCart(r)
	case *bsv1.SlotRecord:
		return storedSlotRecord(r.GetAvailability())
	case *acv3.Merchant:
		return storedMerchant(r)
	case *acv3.Service:
		return storedService(r)
	}
	return m
}

// unmarshalStored decodes raw, written by marshal, into m.
func unmarshalStored(raw []byte, m proto.Message) error {
	switch r := m.(type) {
	case *bsv1.BookingRecord:
		return unmarshalInto(raw, &bsv1.StoredBookingRecord{}, r, setBookingRecord)
	case *bsv1.IdempotencyRecord:
		return unmarshalInto(raw, &bsv1.StoredIdempotencyRecord{}, r, setIdempotencyRecord)
	case *bsv1.OutboxRecord:
		return unmarshalInto(raw, &bsv1.StoredOutboxRecord{}, r, setOutboxRecord)
	case *bsv1.ServiceCart:
		return unmarshalInto(raw, &bsv1.StoredServiceCart{}, r, setServiceCart)
	case *bsv1.SlotRecord:
		return unmarshalInto(raw, &bsv1.StoredSlotRecord{}, r, setSlotRecord)
	case *acv3.Merchant:
		return unmarshalInto(raw, &bsv1.StoredMerchant{}, r, setMerchant)
	case *acv3.Service:
		return unmarshalInto(raw, &bsv1.StoredService{}, r, setService)
	}
	return proto.Unmarshal(raw, m)
}

// unmarshalInto decodes raw into its stored form s, then sets every field of m from
// it (m is the caller's target, so it is filled in place rather than replaced).
func unmarshalInto[W, S proto.Message](raw []byte, s S, m W, set func(W, S)) error {
	if err := proto.Unmarshal(raw, s); err != nil {
		return err
	}
	set(m, s)
	return nil
}

func storedBookingRecord(r *bsv1.BookingRecord) *bsv1.StoredBookingRecord {
	return &bsv1.StoredBookingRecord{
		Booking:           storedBooking(r.GetBooking()),
		Channel:           r.GetChannel(),
		IdempotencyToken:  r.GetIdempotencyToken(),
		CreatedUnix:       r.GetCreatedUnix(),
		UpdatedUnix:       r.GetUpdatedUnix(),
		SlotKey:           r.GetSlotKey(),
		AdditionalRequest: r.GetAdditionalRequest(),
		Payment:           r.GetPayment(),
	}
}

func setBookingRecord(r *bsv1.BookingRecord, s *bsv1.StoredBookingRecord) {
	r.Booking = wireBooking(s.GetBooking())
	r.Channel = s.GetChannel()
	r.IdempotencyToken = s.GetIdempotencyToken()
	r.CreatedUnix = s.GetCreatedUnix()
	r.UpdatedUnix = s.GetUpdatedUnix()
	r.SlotKey = s.GetSlotKey()
	r.AdditionalRequest = s.GetAdditionalRequest()
	r.Payment = s.GetPayment()
}

// storedIdempotencyRecord keeps the answered booking where the records of every
// version keep their answer (field 2, see stored.proto): there is no older format to
// read apart, nor a path to delete once the older records are purged.
func storedIdempotencyRecord(r *bsv1.IdempotencyRecord) *bsv1.StoredIdempotencyRecord {
	s := &bsv1.StoredIdempotencyRecord{
		RequestSha256:    r.GetRequestSha256(),
		CreatedUnix:      r.GetCreatedUnix(),
		PendingBookingId: r.GetPendingBookingId(),
		Action:           r.GetAction(),
	}
	if b := r.GetBooking(); b != nil {
		s.Response = &bsv1.StoredCreateBookingResponse{Booking: storedBooking(b)}
	}
	return s
}

func setIdempotencyRecord(r *bsv1.IdempotencyRecord, s *bsv1.StoredIdempotencyRecord) {
	r.RequestSha256 = s.GetRequestSha256()
	r.CreatedUnix = s.GetCreatedUnix()
	r.PendingBookingId = s.GetPendingBookingId()
	r.Action = s.GetAction()
	r.Booking = wireBooking(s.GetResponse().GetBooking())
}

func storedBooking(b *acv3.Booking) *bsv1.StoredBooking {
	if b == nil {
		return nil
	}
	return &bsv1.StoredBooking{
		BookingId:          b.GetBookingId(),
		Slot:               storedSlot(b.GetSlot()),
		UserInformation:    storedUserInformation(b.GetUserInformation()),
		Status:             bookingStatuses.stored(b.GetStatus()),
		PaymentInformation: storedPaymentInformation(b.GetPaymentInformation()),
		VirtualSessionInfo: storedVirtualSessionInfo(b.GetVirtualSessionInfo()),
		OfferInfo:          storedOfferInfo(b.GetOfferInfo()),
	}
}

func wireBooking(b *bsv1.StoredBooking) *acv3.Booking {
	if b == nil {
		return nil
	}
	return &acv3.Booking{
		BookingId:          b.GetBookingId(),
		Slot:               wireSlot(b.GetSlot()),
		UserInformation:    wireUserInformation(b.GetUserInformation()),
		Status:             bookingStatuses.wire(b.GetStatus()),
		PaymentInformation: wirePaymentInformation(b.GetPaymentInformation()),
		VirtualSessionInfo: wireVirtualSessionInfo(b.GetVirtualSessionInfo()),
		OfferInfo:          wireOfferInfo(b.GetOfferInfo()),
	}
}

func storedSlot(s *acv3.Slot) *bsv1.StoredSlot {
	if s == nil {
		return nil
	}
	return &bsv1.StoredSlot{
		MerchantId:       s.GetMerchantId(),
		ServiceId:        s.GetServiceId(),
		StartSec:         s.GetStartSec(),
		DurationSec:      s.GetDurationSec(),
		AvailabilityTag:  s.GetAvailabilityTag(),
		Resources:        storedResourceIds(s.GetResources()),
		ConfirmationMode: confirmationModes.stored(s.GetConfirmationMode()),
	}
}

func wireSlot(s *bsv1.StoredSlot) *acv3.Slot {
	if s == nil {
		return nil
	}
	return &acv3.Slot{
		MerchantId:       s.GetMerchantId(),
		ServiceId:        s.GetServiceId(),
		StartSec:         s.GetStartSec(),
		DurationSec:      s.GetDurationSec(),
		AvailabilityTag:  s.GetAvailabilityTag(),
		Resources:        wireResourceIds(s.GetResources()),
		ConfirmationMode: confirmationModes.wire(s.GetConfirmationMode()),
	}
}

func storedResourceIds(r *acv3.ResourceIds) *bsv1.StoredResourceIds {
	if r == nil {
		return nil
	}
	return &bsv1.StoredResourceIds{StaffId: r.GetStaffId(), RoomId: r.GetRoomId(), PartySize: r.GetPartySize()}
}

func wireResourceIds(r *bsv1.StoredResourceIds) *acv3.ResourceIds {
	if r == nil {
		return nil
	}
	return &acv3.ResourceIds{StaffId: r.GetStaffId(), RoomId: r.GetRoomId(), PartySize: r.GetPartySize()}
}

func storedUserInformation(u *acv3.UserInformation) *bsv1.StoredUserInformation {
	if u == nil {
		return nil
	}
	return &bsv1.StoredUserInformation{
		UserId:       u.GetUserId(),
		GivenName:    u.GetGivenName(),
		FamilyName:   u.GetFamilyName(),
		Address:      storedPostalAddress(u.GetAddress()),
		Telephone:    u.GetTelephone(),
		Email:        u.GetEmail(),
		LanguageCode: u.GetLanguageCode(),
	}
}

func wireUserInformation(u *bsv1.StoredUserInformation) *acv3.UserInformation {
	if u == nil {
		return nil
	}
	return &acv3.UserInformation{
		UserId:       u.GetUserId(),
		GivenName:    u.GetGivenName(),
		FamilyName:   u.GetFamilyName(),
		Address:      wirePostalAddress(u.GetAddress()),
		Telephone:    u.GetTelephone(),
		Email:        u.GetEmail(),
		LanguageCode: u.GetLanguageCode(),
	}
}

func storedPostalAddress(a *acv3.PostalAddress) *bsv1.StoredPostalAddress {
	if a == nil {
		return nil
	}
	return &bsv1.StoredPostalAddress{
		Country:       a.GetCountry(),
		Locality:      a.GetLocality(),
		Region:        a.GetRegion(),
		PostalCode:    a.GetPostalCode(),
		StreetAddress: a.GetStreetAddress(),
	}
}

func wirePostalAddress(a *bsv1.StoredPostalAddress) *acv3.PostalAddress {
	if a == nil {
		return nil
	}
	return &acv3.PostalAddress{
		Country:       a.GetCountry(),
		Locality:      a.GetLocality(),
		Region:        a.GetRegion(),
		PostalCode:    a.GetPostalCode(),
		StreetAddress: a.GetStreetAddress(),
	}
}

func storedPaymentInformation(p *acv3.PaymentInformation) *bsv1.StoredPaymentInformation {
	if p == nil {
		return nil
	}
	return &bsv1.StoredPaymentInformation{
		PrepaymentStatus:     prepaymentStatuses.stored(p.GetPrepaymentStatus()),
		PaymentTransactionId: p.GetPaymentTransactionId(),
		Price:                storedPrice(p.GetPrice()),
		TaxAmount:            storedPrice(p.GetTaxAmount()),
		PaymentProcessedBy:   paymentProcessors.stored(p.GetPaymentProcessedBy()),
		PaymentOptionId:      p.GetPaymentOptionId(),
		UserPaymentOptionId:  p.GetUserPaymentOptionId(),
		Deposit:              storedDeposit(p.GetDeposit()),
		NoShowFee:            storedNoShowFee(p.GetNoShowFee()),
		FraudSignals:         p.GetFraudSignals(),
		Fees:                 storedPrice(p.GetFees()),
		FeesAndTaxes:         storedPrice(p.GetFeesAndTaxes()),
		PaResponse:           p.GetPaResponse(),
		MdMerchantData:       p.GetMdMerchantData(),
	}
}

func wirePaymentInformation(p *bsv1.StoredPaymentInformation) *acv3.PaymentInformation {
	if p == nil {
		return nil
	}
	return &acv3.PaymentInformation{
		PrepaymentStatus:     prepaymentStatuses.wire(p.GetPrepaymentStatus()),
		PaymentTransactionId: p.GetPaymentTransactionId(),
		Price:                wirePrice(p.GetPrice()),
		TaxAmount:            wirePrice(p.GetTaxAmount()),
		PaymentProcessedBy:   paymentProcessors.wire(p.GetPaymentProcessedBy()),
		PaymentOptionId:      p.GetPaymentOptionId(),
		UserPaymentOptionId:  p.GetUserPaymentOptionId(),
		Deposit:              wireDeposit(p.GetDeposit()),
		NoShowFee:            wireNoShowFee(p.GetNoShowFee()),
		FraudSignals:         p.GetFraudSignals(),
		Fees:                 wirePrice(p.GetFees()),
		FeesAndTaxes:         wirePrice(p.GetFeesAndTaxes()),
		PaResponse:           p.GetPaResponse(),
		MdMerchantData:       p.GetMdMerchantData(),
	}
}

func storedPrice(p *acv3.Price) *bsv1.StoredPrice {
	if p == nil {
		return nil
	}
	return &bsv1.StoredPrice{PriceMicros: p.GetPriceMicros(), CurrencyCode: p.GetCurrencyCode(), PricingOptionTag: p.GetPricingOptionTag()}
}

func wirePrice(p *bsv1.StoredPrice) *acv3.Price {
	if p == nil {
		return nil
	}
	return &acv3.Price{PriceMicros: p.GetPriceMicros(), CurrencyCode: p.GetCurrencyCode(), PricingOptionTag: p.GetPricingOptionTag()}
}

func storedDeposit(d *acv3.Deposit) *bsv1.StoredDeposit {
	if d == nil {
		return nil
	}
	return &bsv1.StoredDeposit{
		Deposit:                   storedPrice(d.GetDeposit()),
		MinAdvanceCancellationSec: d.GetMinAdvanceCancellationSec(),
		DepositType:               priceTypes.stored(d.GetDepositType()),
	}
}

func wireDeposit(d *bsv1.StoredDeposit) *acv3.Deposit {
	if d == nil {
		return nil
	}
	return &acv3.Deposit{
		Deposit:                   wirePrice(d.GetDeposit()),
		MinAdvanceCancellationSec: d.GetMinAdvanceCancellationSec(),
		DepositType:               priceTypes.wire(d.GetDepositType()),
	}
}

func storedNoShowFee(f *acv3.NoShowFee) *bsv1.StoredNoShowFee {
	if f == nil {
		return nil
	}
	return &bsv1.StoredNoShowFee{Fee: storedPrice(f.GetFee()), FeeType: priceTypes.stored(f.GetFeeType())}
}

func wireNoShowFee(f *bsv1.StoredNoShowFee) *acv3.NoShowFee {
	if f == nil {
		return nil
	}
	return &acv3.NoShowFee{Fee: wirePrice(f.GetFee()), FeeType: priceTypes.wire(f.GetFeeType())}
}

func storedVirtualSessionInfo(v *acv3.VirtualSessionInfo) *bsv1.StoredVirtualSessionInfo {
	if v == nil {
		return nil
	}
	return &bsv1.StoredVirtualSessionInfo{SessionUrl: v.GetSessionUrl(), MeetingId: v.GetMeetingId(), Password: v.GetPassword()}
}

func wireVirtualSessionInfo(v *bsv1.StoredVirtualSessionInfo) *acv3.VirtualSessionInfo {
	if v == nil {
		return nil
	}
	return &acv3.VirtualSessionInfo{SessionUrl: v.GetSessionUrl(), MeetingId: v.GetMeetingId(), Password: v.GetPassword()}
}

func storedOfferInfo(o *acv3.OfferInfo) *bsv1.StoredOfferInfo {
	if o == nil {
		return nil
	}
	return &bsv1.StoredOfferInfo{OfferId: o.GetOfferId()}
}

func wireOfferInfo(o *bsv1.StoredOfferInfo) *acv3.OfferInfo {
	if o == nil {
		return nil
	}
	return &acv3.OfferInfo{OfferId: o.GetOfferId()}
}

func storedOutboxRecord(r *bsv1.OutboxRecord) *bsv1.StoredOutboxRecord {
	return &bsv1.StoredOutboxRecord{
		Id:              r.GetId(),
		Notification:    storedNotification(r.GetNotification()),
		State:           r.GetState(),
		Attempts:        r.GetAttempts(),
		NextAttemptUnix: r.GetNextAttemptUnix(),
		CreatedUnix:     r.GetCreatedUnix(),
		Failures:        r.GetFailures(),
		CreatedUnixNano: r.GetCreatedUnixNano(),
		DeliveredUnix:   r.GetDeliveredUnix(),
	}
}

func setOutboxRecord(r *bsv1.OutboxRecord, s *bsv1.StoredOutboxRecord) {
	r.Id = s.GetId()
	r.Notification = wireNotification(s.GetNotification())
	r.State = s.GetState()
	r.Attempts = s.GetAttempts()
	r.NextAttemptUnix = s.GetNextAttemptUnix()
	r.CreatedUnix = s.GetCreatedUnix()
	r.Failures = s.GetFailures()
	r.CreatedUnixNano = s.GetCreatedUnixNano()
	r.DeliveredUnix = s.GetDeliveredUnix()
}

func storedNotification(n *bsv1.Notification) *bsv1.StoredNotification {
	if n == nil {
		return nil
	}
	return &bsv1.StoredNotification{
		BookingId:            n.GetBookingId(),
		MerchantId:           n.GetMerchantId(),
		ServiceId:            n.GetServiceId(),
		StartSec:             n.GetStartSec(),
		DurationSec:          n.GetDurationSec(),
		PartySize:            n.GetPartySize(),
		Status:               bookingStatuses.stored(n.GetStatus()),
		PrepaymentStatus:     prepaymentStatuses.stored(n.GetPrepaymentStatus()),
		PaymentTransactionId: n.GetPaymentTransactionId(),
		UpdateMask:           n.GetUpdateMask(),
	}
}

func wireNotification(n *bsv1.StoredNotification) *bsv1.Notification {
	if n == nil {
		return nil
	}
	return &bsv1.Notification{
		BookingId:            n.GetBookingId(),
		MerchantId:           n.GetMerchantId(),
		ServiceId:            n.GetServiceId(),
		StartSec:             n.GetStartSec(),
		DurationSec:          n.GetDurationSec(),
		PartySize:            n.GetPartySize(),
		Status:               bookingStatuses.wire(n.GetStatus()),
		PrepaymentStatus:     prepaymentStatuses.wire(n.GetPrepaymentStatus()),
		PaymentTransactionId: n.GetPaymentTransactionId(),
		UpdateMask:           n.GetUpdateMask(),
	}
}

func storedServiceCart(c *bsv1.ServiceCart) *bsv1.StoredServiceCart {
	return &bsv1.StoredServiceCart{
		MerchantId:  c.GetMerchantId(),
		ServiceId:   c.GetServiceId(),
		Enabled:     c.GetEnabled(),
		ProductId:   c.GetProductId(),
		Amount:      storedPrice(c.GetAmount()),
		PolicyText:  c.GetPolicyText(),
		UpdatedUnix: c.GetUpdatedUnix(),
	}
}

func setServiceCart(c *bsv1.ServiceCart, s *bsv1.StoredServiceCart) {
	c.MerchantId = s.GetMerchantId()
	c.ServiceId = s.GetServiceId()
	c.Enabled = s.GetEnabled()
	c.ProductId = s.GetProductId()
	c.Amount = wirePrice(s.GetAmount())
	c.PolicyText = s.GetPolicyText()
	c.UpdatedUnix = s.GetUpdatedUnix()
}

func storedSlotRecord(a *acv3.Availability) *bsv1.StoredSlotRecord {
	return &bsv1.StoredSlotRecord{Availability: storedAvailability(a)}
}

func setSlotRecord(r *bsv1.SlotRecord, s *bsv1.StoredSlotRecord) {
	r.Availability = wireAvailability(s.GetAvailability())
}

func storedAvailability(a *acv3.Availability) *bsv1.StoredAvailability {
	if a == nil {
		return nil
	}
	s := &bsv1.StoredAvailability{
		MerchantId:          a.GetMerchantId(),
		ServiceId:           a.GetServiceId(),
		StartSec:            a.GetStartSec(),
		DurationSec:         a.GetDurationSec(),
		SpotsTotal:          a.GetSpotsTotal(),
		SpotsOpen:           a.GetSpotsOpen(),
		AvailabilityTag:     a.GetAvailabilityTag(),
		Resources:           storedResources(a.GetResources()),
		PaymentOptionId:     a.GetPaymentOptionId(),
		Deposit:             storedDeposit(a.GetDeposit()),
		NoShowFee:           storedNoShowFee(a.GetNoShowFee()),
		RequireCreditCard:   requireCreditCards.stored(a.GetRequireCreditCard()),
		TicketTypeId:        a.GetTicketTypeId(),
		DurationRequirement: durationRequirements.stored(a.GetDurationRequirement()),
		ConfirmationMode:    confirmationModes.stored(a.GetConfirmationMode()),
		Prepayment:          storedPrepayment(a.GetPrepayment()),
	}
	if r := a.GetRecurrence(); r != nil {
		s.Recurrence = &bsv1.StoredAvailability_Recurrence{RepeatUntilSec: r.GetRepeatUntilSec(), RepeatEverySec: r.GetRepeatEverySec()}
	}
	for _, e := range a.GetScheduleException() {
		s.ScheduleException = append(s.ScheduleException, &bsv1.StoredAvailability_ScheduleException{TimeRange: storedTimeRange(e.GetTimeRange())})
	}
	if o := a.GetSchedulingRuleOverrides(); o != nil {
		s.SchedulingRuleOverrides = &bsv1.StoredAvailability_SchedulingRuleOverrides{
			LastBookableSec:          o.GetLastBookableSec(),
			FirstBookableSec:         o.GetFirstBookableSec(),
			LastOnlineCancellableSec: o.GetLastOnlineCancellableSec(),
		}
	}
	return s
}

func wireAvailability(s *bsv1.StoredAvailability) *acv3.Availability {
	if s == nil {
		return nil
	}
	a := &acv3.Availability{
		MerchantId:          s.GetMerchantId(),
		ServiceId:           s.GetServiceId(),
		StartSec:            s.GetStartSec(),
		DurationSec:         s.GetDurationSec(),
		SpotsTotal:          s.GetSpotsTotal(),
		SpotsOpen:           s.GetSpotsOpen(),
		AvailabilityTag:     s.GetAvailabilityTag(),
		Resources:           wireResources(s.GetResources()),
		PaymentOptionId:     s.GetPaymentOptionId(),
		Deposit:             wireDeposit(s.GetDeposit()),
		NoShowFee:           wireNoShowFee(s.GetNoShowFee()),
		RequireCreditCard:   requireCreditCards.wire(s.GetRequireCreditCard()),
		TicketTypeId:        s.GetTicketTypeId(),
		DurationRequirement: durationRequirements.wire(s.GetDurationRequirement()),
		ConfirmationMode:    confirmationModes.wire(s.GetConfirmationMode()),
		Prepayment:          wirePrepayment(s.GetPrepayment()),
	}
	if r := s.GetRecurrence(); r != nil {
		a.Recurrence = &acv3.Availability_Recurrence{RepeatUntilSec: r.GetRepeatUntilSec(), RepeatEverySec: r.GetRepeatEverySec()}
	}
	for _, e := range s.GetScheduleException() {
		a.ScheduleException = append(a.ScheduleException, &acv3.Availability_ScheduleException{TimeRange: wireTimeRange(e.GetTimeRange())})
	}
	if o := s.GetSchedulingRuleOverrides(); o != nil {
		a.SchedulingRuleOverrides = &acv3.Availability_SchedulingRuleOverrides{
			LastBookableSec:          o.GetLastBookableSec(),
			FirstBookableSec:         o.GetFirstBookableSec(),
			LastOnlineCancellableSec: o.GetLastOnlineCancellableSec(),
		}
	}
	return a
}

func storedTimeRange(r *acv3.TimeRange) *bsv1.StoredTimeRange {
	if r == nil {
		return nil
	}
	return &bsv1.StoredTimeRange{StartSec: r.GetStartSec(), EndSec: r.GetEndSec()}
}

func wireTimeRange(r *bsv1.StoredTimeRange) *acv3.TimeRange {
	if r == nil {
		return nil
	}
	return &acv3.TimeRange{StartSec: r.GetStartSec(), EndSec: r.GetEndSec()}
}

func storedResources(r *acv3.Resources) *bsv1.StoredResources {
	if r == nil {
		return nil
	}
	return &bsv1.StoredResources{
		StaffId:         r.GetStaffId(),
		StaffName:       r.GetStaffName(),
		RoomId:          r.GetRoomId(),
		RoomName:        r.GetRoomName(),
		PartySize:       r.GetPartySize(),
		RoomDescription: storedText(r.GetRoomDescription()),
	}
}

func wireResources(r *bsv1.StoredResources) *acv3.Resources {
	if r == nil {
		return nil
	}
	return &acv3.Resources{
		StaffId:         r.GetStaffId(),
		StaffName:       r.GetStaffName(),
		RoomId:          r.GetRoomId(),
		RoomName:        r.GetRoomName(),
		PartySize:       r.GetPartySize(),
		RoomDescription: wireText(r.GetRoomDescription()),
	}
}

func storedText(t *acv3.Text) *bsv1.StoredText {
	if t == nil {
		return nil
	}
	s := &bsv1.StoredText{Value: t.GetValue()}
	for _, l := range t.GetLocalizedValue() {
		s.LocalizedValue = append(s.LocalizedValue, &bsv1.StoredLocalizedString{Locale: l.GetLocale(), Value: l.GetValue()})
	}
	return s
}

func wireText(s *bsv1.StoredText) *acv3.Text {
	if s == nil {
		return nil
	}
	t := &acv3.Text{Value: s.GetValue()}
	for _, l := range s.GetLocalizedValue() {
		t.LocalizedValue = append(t.LocalizedValue, &acv3.LocalizedString{Locale: l.GetLocale(), Value: l.GetValue()})
	}
	return t
}

func storedPrepayment(p *acv3.Prepayment) *bsv1.StoredPrepayment {
	if p == nil {
		return nil
	}
	s := &bsv1.StoredPrepayment{}
	if i := p.GetPriceInfo(); i != nil {
		s.PriceInfo = &bsv1.StoredPriceInfo{Price: storedPrice(i.GetPrice()), PriceType: priceTypes.stored(i.GetPriceType())}
	}
	return s
}

func wirePrepayment(s *bsv1.StoredPrepayment) *acv3.Prepayment {
	if s == nil {
		return nil
	}
	p := &acv3.Prepayment{}
	if i := s.GetPriceInfo(); i != nil {
		p.PriceInfo = &acv3.PriceInfo{Price: wirePrice(i.GetPrice()), PriceType: priceTypes.wire(i.GetPriceType())}
	}
	return p
}

func storedMerchant(m *acv3.Merchant) *bsv1.StoredMerchant {
	s := &bsv1.StoredMerchant{
		MerchantId:             m.GetMerchantId(),
		Name:                   m.GetName(),
		Telephone:              m.GetTelephone(),
		Url:                    m.GetUrl(),
		Geo:                    storedGeoCoordinates(m.GetGeo()),
		Category:               m.GetCategory(),
		TaxRateBasisPoints:     m.GetTaxRateBasisPoints(),
		TaxRate:                storedTaxRate(m.GetTaxRate()),
		PaymentRestrictions:    storedPaymentRestrictions(m.GetPaymentRestrictions()),
		PaymentProcessorConfig: storedPaymentProcessorConfig(m.GetPaymentProcessorConfig()),
		TokenizationConfig:     storedTokenizationConfig(m.GetTokenizationConfig()),
		Terms:                  storedTerms(m.GetTerms()),
		BrandId:                m.GetBrandId(),
	}
	for _, o := range m.GetPaymentOption() {
		s.PaymentOption = append(s.PaymentOption, storedPaymentOption(o))
	}
	if h := m.GetMatchingHints(); h != nil {
		s.MatchingHints = &bsv1.StoredMerchantMatchingHints{PlaceId: h.GetPlaceId()}
	}
	return s
}

func setMerchant(m *acv3.Merchant, s *bsv1.StoredMerchant) {
	m.MerchantId = s.GetMerchantId()
	m.Name = s.GetName()
	m.Telephone = s.GetTelephone()
	m.Url = s.GetUrl()
	m.Geo = wireGeoCoordinates(s.GetGeo())
	m.Category = s.GetCategory()
	m.TaxRateBasisPoints = s.GetTaxRateBasisPoints()
	m.TaxRate = wireTaxRate(s.GetTaxRate())
	m.PaymentRestrictions = wirePaymentRestrictions(s.GetPaymentRestrictions())
	m.PaymentOption = nil
	for _, o := range s.GetPaymentOption() {
		m.PaymentOption = append(m.PaymentOption, wirePaymentOption(o))
	}
	m.PaymentProcessorConfig = wirePaymentProcessorConfig(s.GetPaymentProcessorConfig())
	m.TokenizationConfig = wireTokenizationConfig(s.GetTokenizationConfig())
	m.Terms = wireTerms(s.GetTerms())
	m.BrandId = s.GetBrandId()
	m.MatchingHints = nil
	if h := s.GetMatchingHints(); h != nil {
		m.MatchingHints = &acv3.MerchantMatchingHints{PlaceId: h.GetPlaceId()}
	}
}

func storedGeoCoordinates(g *acv3.GeoCoordinates) *bsv1.StoredGeoCoordinates {
	if g == nil {
		return nil
	}
	s := &bsv1.StoredGeoCoordinates{Latitude: g.GetLatitude(), Longitude: g.GetLongitude()}
	switch a := g.GetAddresses().(type) {
	case *acv3.GeoCoordinates_Address:
		s.Addresses = &bsv1.StoredGeoCoordinates_Address{Address: storedPostalAddress(a.Address)}
	case *acv3.GeoCoordinates_UnstructuredAddress:
		s.Addresses = &bsv1.StoredGeoCoordinates_UnstructuredAddress{UnstructuredAddress: a.UnstructuredAddress}
	}
	return s
}

func wireGeoCoordinates(s *bsv1.StoredGeoCoordinates) *acv3.GeoCoordinates {
	if s == nil {
		return nil
	}
	g := &acv3.GeoCoordinates{Latitude: s.GetLatitude(), Longitude: s.GetLongitude()}
	switch a := s.GetAddresses().(type) {
	case *bsv1.StoredGeoCoordinates_Address:
		g.Addresses = &acv3.GeoCoordinates_Address{Address: wirePostalAddress(a.Address)}
	case *bsv1.StoredGeoCoordinates_UnstructuredAddress:
		g.Addresses = &acv3.GeoCoordinates_UnstructuredAddress{UnstructuredAddress: a.UnstructuredAddress}
	}
	return g
}

func storedTaxRate(t *acv3.TaxRate) *bsv1.StoredTaxRate {
	if t == nil {
		return nil
	}
	return &bsv1.StoredTaxRate{MicroPercent: t.GetMicroPercent()}
}

func wireTaxRate(t *bsv1.StoredTaxRate) *acv3.TaxRate {
	if t == nil {
		return nil
	}
	return &acv3.TaxRate{MicroPercent: t.GetMicroPercent()}
}

func storedPaymentRestrictions(r *acv3.PaymentRestrictions) *bsv1.StoredPaymentRestrictions {
	if r == nil {
		return nil
	}
	s := &bsv1.StoredPaymentRestrictions{}
	if c := r.GetCreditCardRestrictions(); c != nil {
		s.CreditCardRestrictions = &bsv1.StoredCreditCardRestrictions{CreditCardType: mapEach(c.GetCreditCardType(), creditCardTypes.stored)}
	}
	return s
}

func wirePaymentRestrictions(s *bsv1.StoredPaymentRestrictions) *acv3.PaymentRestrictions {
	if s == nil {
		return nil
	}
	r := &acv3.PaymentRestrictions{}
	if c := s.GetCreditCardRestrictions(); c != nil {
		r.CreditCardRestrictions = &acv3.CreditCardRestrictions{CreditCardType: mapEach(c.GetCreditCardType(), creditCardTypes.wire)}
	}
	return r
}

func storedPaymentOption(o *acv3.PaymentOption) *bsv1.StoredPaymentOption {
	return &bsv1.StoredPaymentOption{
		PaymentOptionId:   o.GetPaymentOptionId(),
		Price:             storedPrice(o.GetPrice()),
		TaxRate:           storedTaxRate(o.GetTaxRate()),
		PaymentOptionType: paymentOptionTypes.stored(o.GetPaymentOptionType()),
		SessionCount:      o.GetSessionCount(),
		PurchaseInterval:  storedTimeRange(o.GetPurchaseInterval()),
		ValidInterval:     storedTimeRange(o.GetValidInterval()),
		ValidDurationSec:  o.GetValidDurationSec(),
		Description:       o.GetDescription(),
	}
}

func wirePaymentOption(o *bsv1.StoredPaymentOption) *acv3.PaymentOption {
	return &acv3.PaymentOption{
		PaymentOptionId:   o.GetPaymentOptionId(),
		Price:             wirePrice(o.GetPrice()),
		TaxRate:           wireTaxRate(o.GetTaxRate()),
		PaymentOptionType: paymentOptionTypes.wire(o.GetPaymentOptionType()),
		SessionCount:      o.GetSessionCount(),
		PurchaseInterval:  wireTimeRange(o.GetPurchaseInterval()),
		ValidInterval:     wireTimeRange(o.GetValidInterval()),
		ValidDurationSec:  o.GetValidDurationSec(),
		Description:       o.GetDescription(),
	}
}

func storedPaymentProcessorConfig(c *acv3.PaymentProcessorConfig) *bsv1.StoredPaymentProcessorConfig {
	if c == nil {
		return nil
	}
	return &bsv1.StoredPaymentProcessorConfig{Processor: processors.stored(c.GetProcessor()), PublicKey: c.GetPublicKey(), Version: c.GetVersion()}
}

func wirePaymentProcessorConfig(c *bsv1.StoredPaymentProcessorConfig) *acv3.PaymentProcessorConfig {
	if c == nil {
		return nil
	}
	return &acv3.PaymentProcessorConfig{Processor: processors.wire(c.GetProcessor()), PublicKey: c.GetPublicKey(), Version: c.GetVersion()}
}

func storedTokenizationConfig(c *acv3.TokenizationConfig) *bsv1.StoredTokenizationConfig {
	if c == nil {
		return nil
	}
	s := &bsv1.StoredTokenizationConfig{
		TokenizationParameter:    c.GetTokenizationParameter(),
		BillingInformationFormat: billingFormats.stored(c.GetBillingInformationFormat()),
		MerchantOfRecordName:     c.GetMerchantOfRecordName(),
		PaymentCountryCode:       c.GetPaymentCountryCode(),
		AllowedAuthMethods:       mapEach(c.GetAllowedAuthMethods(), authMethods.stored),
	}
	for _, p := range c.GetCardNetworkParameters() {
		s.CardNetworkParameters = append(s.CardNetworkParameters, &bsv1.StoredTokenizationConfig_CardNetworkParameters{
			CardNetwork:        creditCardTypes.stored(p.GetCardNetwork()),
			AcquirerBin:        p.GetAcquirerBin(),
			AcquirerMerchantId: p.GetAcquirerMerchantId(),
		})
	}
	return s
}

func wireTokenizationConfig(s *bsv1.StoredTokenizationConfig) *acv3.TokenizationConfig {
	if s == nil {
		return nil
	}
	c := &acv3.TokenizationConfig{
		TokenizationParameter:    s.GetTokenizationParameter(),
		BillingInformationFormat: billingFormats.wire(s.GetBillingInformationFormat()),
		MerchantOfRecordName:     s.GetMerchantOfRecordName(),
		PaymentCountryCode:       s.GetPaymentCountryCode(),
		AllowedAuthMethods:       mapEach(s.GetAllowedAuthMethods(), authMethods.wire),
	}
	for _, p := range s.GetCardNetworkParameters() {
		c.CardNetworkParameters = append(c.CardNetworkParameters, &acv3.TokenizationConfig_CardNetworkParameters{
			CardNetwork:        creditCardTypes.wire(p.GetCardNetwork()),
			AcquirerBin:        p.GetAcquirerBin(),
			AcquirerMerchantId: p.GetAcquirerMerchantId(),
		})
	}
	return c
}

func storedTerms(t *acv3.Terms) *bsv1.StoredTerms {
	if t == nil {
		return nil
	}
	return &bsv1.StoredTerms{Url: t.GetUrl(), Text: t.GetText(), LocalizedText: storedText(t.GetLocalizedText())}
}

func wireTerms(t *bsv1.StoredTerms) *acv3.Terms {
	if t == nil {
		return nil
	}
	return &acv3.Terms{Url: t.GetUrl(), Text: t.GetText(), LocalizedText: wireText(t.GetLocalizedText())}
}

func storedService(v *acv3.Service) *bsv1.StoredService {
	return &bsv1.StoredService{
		MerchantId:           v.GetMerchantId(),
		ServiceId:            v.GetServiceId(),
		Name:                 v.GetName(),
		Description:          v.GetDescription(),
		Price:                storedPrice(v.GetPrice()),
		PriceInterpretation:  priceInterpretations.stored(v.GetPriceInterpretation()),
		Rules:                storedSchedulingRules(v.GetRules()),
		PrepaymentType:       prepaymentTypes.stored(v.GetPrepaymentType()),
		TaxRate:              storedTaxRate(v.GetTaxRate()),
		PaymentOptionId:      v.GetPaymentOptionId(),
		Deposit:              storedDeposit(v.GetDeposit()),
		NoShowFee:            storedNoShowFee(v.GetNoShowFee()),
		RequireCreditCard:    requireCreditCards.stored(v.GetRequireCreditCard()),
		LocalizedServiceName: storedText(v.GetLocalizedServiceName()),
		LocalizedDescription: storedText(v.GetLocalizedDescription()),
	}
}

func setService(v *acv3.Service, s *bsv1.StoredService) {
	v.MerchantId = s.GetMerchantId()
	v.ServiceId = s.GetServiceId()
	v.Name = s.GetName()
	v.Description = s.GetDescription()
	v.Price = wirePrice(s.GetPrice())
	v.PriceInterpretation = priceInterpretations.wire(s.GetPriceInterpretation())
	v.Rules = wireSchedulingRules(s.GetRules())
	v.PrepaymentType = prepaymentTypes.wire(s.GetPrepaymentType())
	v.TaxRate = wireTaxRate(s.GetTaxRate())
	v.PaymentOptionId = s.GetPaymentOptionId()
	v.Deposit = wireDeposit(s.GetDeposit())
	v.NoShowFee = wireNoShowFee(s.GetNoShowFee())
	v.RequireCreditCard = requireCreditCards.wire(s.GetRequireCreditCard())
	v.LocalizedServiceName = wireText(s.GetLocalizedServiceName())
	v.LocalizedDescription = wireText(s.GetLocalizedDescription())
}

func storedSchedulingRules(r *acv3.SchedulingRules) *bsv1.StoredSchedulingRules {
	if r == nil {
		return nil
	}
	s := &bsv1.StoredSchedulingRules{
		MinAdvanceOnlineCanceling:     r.GetMinAdvanceOnlineCanceling(),
		LateCancellationFee:           storedPrice(r.GetLateCancellationFee()),
		NoshowFee:                     storedPrice(r.GetNoshowFee()),
		MinAdvanceBooking:             r.GetMinAdvanceBooking(),
		AdmissionPolicy:               admissionPolicies.stored(r.GetAdmissionPolicy()),
		MinBookingBufferBeforeEndTime: r.GetMinBookingBufferBeforeEndTime(),
	}
	if p := r.GetCancellationPolicy(); p != nil {
		s.CancellationPolicy = &bsv1.StoredCancellationPolicy{}
		for _, c := range p.GetRefundCondition() {
			s.CancellationPolicy.RefundCondition = append(s.CancellationPolicy.RefundCondition, &bsv1.StoredCancellationPolicy_RefundCondition{
				MinDurationBeforeStartTimeSec: c.GetMinDurationBeforeStartTimeSec(),
				RefundPercent:                 c.GetRefundPercent(),
			})
		}
	}
	return s
}

func wireSchedulingRules(s *bsv1.StoredSchedulingRules) *acv3.SchedulingRules {
	if s == nil {
		return nil
	}
	r := &acv3.SchedulingRules{
		MinAdvanceOnlineCanceling:     s.GetMinAdvanceOnlineCanceling(),
		LateCancellationFee:           wirePrice(s.GetLateCancellationFee()),
		NoshowFee:                     wirePrice(s.GetNoshowFee()),
		MinAdvanceBooking:             s.GetMinAdvanceBooking(),
		AdmissionPolicy:               admissionPolicies.wire(s.GetAdmissionPolicy()),
		MinBookingBufferBeforeEndTime: s.GetMinBookingBufferBeforeEndTime(),
	}
	if p := s.GetCancellationPolicy(); p != nil {
		r.CancellationPolicy = &acv3.CancellationPolicy{}
		for _, c := range p.GetRefundCondition() {
			r.CancellationPolicy.RefundCondition = append(r.CancellationPolicy.RefundCondition, &acv3.CancellationPolicy_RefundCondition{
				MinDurationBeforeStartTimeSec: c.GetMinDurationBeforeStartTimeSec(),
				RefundPercent:                 c.GetRefundPercent(),
			})
		}
	}
	return r
}

// mapEach converts each value of a repeated enum field.
func mapEach[A, B any](in []A, conv func(A) B) []B {
	if in == nil {
		return nil
	}
	out := make([]B, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	return out
}

// enumMap pairs the values of one of Google's enums with ours. A number neither side
// names (a value of a newer Google proto, read from the wire) is kept as it is, as
// proto3 keeps unknown enum numbers, rather than lost.
type enumMap[W, S ~int32] struct {
	toStored map[W]S
	toWire   map[S]W
}

func newEnumMap[W, S ~int32](pairs map[W]S) enumMap[W, S] {
	m := enumMap[W, S]{toStored: pairs, toWire: make(map[S]W, len(pairs))}
	for w, s := range pairs {
		m.toWire[s] = w
	}
	return m
}

func (m enumMap[W, S]) stored(w W) S {
	if s, ok := m.toStored[w]; ok {
		return s
	}
	return S(w)
}

func (m enumMap[W, S]) wire(s S) W {
	if w, ok := m.toWire[s]; ok {
		return w
	}
	return W(s)
}

var (
	bookingStatuses = newEnumMap(map[acv3.BookingStatus]bsv1.StoredBookingStatus{
		acv3.BookingStatus_BOOKING_STATUS_UNSPECIFIED:    bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_UNSPECIFIED,
		acv3.BookingStatus_CONFIRMED:                     bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_CONFIRMED,
		acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION: bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_PENDING_MERCHANT_CONFIRMATION,
		acv3.BookingStatus_CANCELED:                      bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_CANCELED,
		acv3.BookingStatus_NO_SHOW:                       bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_NO_SHOW,
		acv3.BookingStatus_NO_SHOW_PENALIZED:             bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_NO_SHOW_PENALIZED,
		acv3.BookingStatus_FAILED:                        bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_FAILED,
		acv3.BookingStatus_DECLINED_BY_MERCHANT:          bsv1.StoredBookingStatus_STORED_BOOKING_STATUS_DECLINED_BY_MERCHANT,
	})
	prepaymentStatuses = newEnumMap(map[acv3.PrepaymentStatus]bsv1.StoredPrepaymentStatus{
		acv3.PrepaymentStatus_PREPAYMENT_STATUS_UNSPECIFIED: bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_UNSPECIFIED,
		acv3.PrepaymentStatus_PREPAYMENT_PROVIDED:           bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_PROVIDED,
		acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED:       bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_NOT_PROVIDED,
		acv3.PrepaymentStatus_PREPAYMENT_REFUNDED:           bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_REFUNDED,
		acv3.PrepaymentStatus_PREPAYMENT_CREDITED:           bsv1.StoredPrepaymentStatus_STORED_PREPAYMENT_STATUS_CREDITED,
	})
	paymentProcessors = newEnumMap(map[acv3.PaymentProcessedBy]bsv1.StoredPaymentProcessedBy{
		acv3.PaymentProcessedBy_PAYMENT_PROCESSED_BY_UNSPECIFIED: bsv1.StoredPaymentProcessedBy_STORED_PAYMENT_PROCESSED_BY_UNSPECIFIED,
		acv3.PaymentProcessedBy_PROCESSED_BY_GOOGLE:              bsv1.StoredPaymentProcessedBy_STORED_PAYMENT_PROCESSED_BY_GOOGLE,
		acv3.PaymentProcessedBy_PROCESSED_BY_PARTNER:             bsv1.StoredPaymentProcessedBy_STORED_PAYMENT_PROCESSED_BY_PARTNER,
	})
	confirmationModes = newEnumMap(map[acv3.ConfirmationMode]bsv1.StoredConfirmationMode{
		acv3.ConfirmationMode_CONFIRMATION_MODE_UNSPECIFIED:  bsv1.StoredConfirmationMode_STORED_CONFIRMATION_MODE_UNSPECIFIED,
		acv3.ConfirmationMode_CONFIRMATION_MODE_SYNCHRONOUS:  bsv1.StoredConfirmationMode_STORED_CONFIRMATION_MODE_SYNCHRONOUS,
		acv3.ConfirmationMode_CONFIRMATION_MODE_ASYNCHRONOUS: bsv1.StoredConfirmationMode_STORED_CONFIRMATION_MODE_ASYNCHRONOUS,
	})
	requireCreditCards = newEnumMap(map[acv3.RequireCreditCard]bsv1.StoredRequireCreditCard{
		acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_UNSPECIFIED: bsv1.StoredRequireCreditCard_STORED_REQUIRE_CREDIT_CARD_UNSPECIFIED,
		acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_CONDITIONAL: bsv1.StoredRequireCreditCard_STORED_REQUIRE_CREDIT_CARD_CONDITIONAL,
		acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS:      bsv1.StoredRequireCreditCard_STORED_REQUIRE_CREDIT_CARD_ALWAYS,
	})
	durationRequirements = newEnumMap(map[acv3.DurationRequirement]bsv1.StoredDurationRequirement{
		acv3.DurationRequirement_DURATION_REQUIREMENT_UNSPECIFIED: bsv1.StoredDurationRequirement_STORED_DURATION_REQUIREMENT_UNSPECIFIED,
		acv3.DurationRequirement_DO_NOT_SHOW_DURATION:             bsv1.StoredDurationRequirement_STORED_DURATION_REQUIREMENT_DO_NOT_SHOW,
		acv3.DurationRequirement_MUST_SHOW_DURATION:               bsv1.StoredDurationRequirement_STORED_DURATION_REQUIREMENT_MUST_SHOW,
	})
	creditCardTypes = newEnumMap(map[acv3.CreditCardType]bsv1.StoredCreditCardType{
		acv3.CreditCardType_CREDIT_CARD_TYPE_UNSPECIFIED: bsv1.StoredCreditCardType_STORED_CREDIT_CARD_TYPE_UNSPECIFIED,
		acv3.CreditCardType_VISA:                         bsv1.StoredCreditCardType_STORED_CREDIT_CARD_TYPE_VISA,
		acv3.CreditCardType_MASTERCARD:                   bsv1.StoredCreditCardType_STORED_CREDIT_CARD_TYPE_MASTERCARD,
		acv3.CreditCardType_AMERICAN_EXPRESS:             bsv1.StoredCreditCardType_STORED_CREDIT_CARD_TYPE_AMERICAN_EXPRESS,
		acv3.CreditCardType_DISCOVER:                     bsv1.StoredCreditCardType_STORED_CREDIT_CARD_TYPE_DISCOVER,
		acv3.CreditCardType_JCB:                          bsv1.StoredCreditCardType_STORED_CREDIT_CARD_TYPE_JCB,
	})
	paymentOptionTypes = newEnumMap(map[acv3.PaymentOptionType]bsv1.StoredPaymentOptionType{
		acv3.PaymentOptionType_PAYMENT_OPTION_TYPE_UNSPECIFIED: bsv1.StoredPaymentOptionType_STORED_PAYMENT_OPTION_TYPE_UNSPECIFIED,
		acv3.PaymentOptionType_PAYMENT_OPTION_SINGLE_USE:       bsv1.StoredPaymentOptionType_STORED_PAYMENT_OPTION_TYPE_SINGLE_USE,
		acv3.PaymentOptionType_PAYMENT_OPTION_MULTI_USE:        bsv1.StoredPaymentOptionType_STORED_PAYMENT_OPTION_TYPE_MULTI_USE,
		acv3.PaymentOptionType_PAYMENT_OPTION_UNLIMITED_USE:    bsv1.StoredPaymentOptionType_STORED_PAYMENT_OPTION_TYPE_UNLIMITED_USE,
	})
	processors = newEnumMap(map[acv3.PaymentProcessorConfig_Processor]bsv1.StoredPaymentProcessorConfig_Processor{
		acv3.PaymentProcessorConfig_PROCESSOR_UNSPECIFIED: bsv1.StoredPaymentProcessorConfig_PROCESSOR_UNSPECIFIED,
		acv3.PaymentProcessorConfig_PROCESSOR_STRIPE:      bsv1.StoredPaymentProcessorConfig_PROCESSOR_STRIPE,
		acv3.PaymentProcessorConfig_PROCESSOR_BRAINTREE:   bsv1.StoredPaymentProcessorConfig_PROCESSOR_BRAINTREE,
	})
	billingFormats = newEnumMap(map[acv3.TokenizationConfig_BillingInformationFormat]bsv1.StoredTokenizationConfig_BillingInformationFormat{
		acv3.TokenizationConfig_BILLING_INFORMATION_FORMAT_UNSPECIFIED: bsv1.StoredTokenizationConfig_BILLING_INFORMATION_FORMAT_UNSPECIFIED,
		acv3.TokenizationConfig_MIN:                                    bsv1.StoredTokenizationConfig_BILLING_INFORMATION_FORMAT_MIN,
		acv3.TokenizationConfig_FULL:                                   bsv1.StoredTokenizationConfig_BILLING_INFORMATION_FORMAT_FULL,
	})
	authMethods = newEnumMap(map[acv3.TokenizationConfig_AuthMethod]bsv1.StoredTokenizationConfig_AuthMethod{
		acv3.TokenizationConfig_AUTH_METHOD_UNSPECIFIED: bsv1.StoredTokenizationConfig_AUTH_METHOD_UNSPECIFIED,
		acv3.TokenizationConfig_PAN_ONLY:                bsv1.StoredTokenizationConfig_AUTH_METHOD_PAN_ONLY,
		acv3.TokenizationConfig_CRYPTOGRAM_3DS:          bsv1.StoredTokenizationConfig_AUTH_METHOD_CRYPTOGRAM_3DS,
	})
	priceInterpretations = newEnumMap(map[acv3.PriceInterpretation]bsv1.StoredPriceInterpretation{
		acv3.PriceInterpretation_INTERPRETATION_UNSPECIFIED: bsv1.StoredPriceInterpretation_STORED_PRICE_INTERPRETATION_UNSPECIFIED,
		acv3.PriceInterpretation_EXACT_AMOUNT:               bsv1.StoredPriceInterpretation_STORED_PRICE_INTERPRETATION_EXACT_AMOUNT,
		acv3.PriceInterpretation_STARTS_AT:                  bsv1.StoredPriceInterpretation_STORED_PRICE_INTERPRETATION_STARTS_AT,
		acv3.PriceInterpretation_NOT_DISPLAYED:              bsv1.StoredPriceInterpretation_STORED_PRICE_INTERPRETATION_NOT_DISPLAYED,
	})
	prepaymentTypes = newEnumMap(map[acv3.PrepaymentType]bsv1.StoredPrepaymentType{
		acv3.PrepaymentType_PREPAYMENT_TYPE_UNSPECIFIED: bsv1.StoredPrepaymentType_STORED_PREPAYMENT_TYPE_UNSPECIFIED,
		acv3.PrepaymentType_REQUIRED:                    bsv1.StoredPrepaymentType_STORED_PREPAYMENT_TYPE_REQUIRED,
		acv3.PrepaymentType_OPTIONAL:                    bsv1.StoredPrepaymentType_STORED_PREPAYMENT_TYPE_OPTIONAL,
		acv3.PrepaymentType_NOT_SUPPORTED:               bsv1.StoredPrepaymentType_STORED_PREPAYMENT_TYPE_NOT_SUPPORTED,
	})
	admissionPolicies = newEnumMap(map[acv3.SchedulingRules_AdmissionPolicy]bsv1.StoredSchedulingRules_AdmissionPolicy{
		acv3.SchedulingRules_ADMISSION_POLICY_UNSPECIFIED:       bsv1.StoredSchedulingRules_ADMISSION_POLICY_UNSPECIFIED,
		acv3.SchedulingRules_TIME_STRICT:                        bsv1.StoredSchedulingRules_ADMISSION_POLICY_TIME_STRICT,
		acv3.SchedulingRules_TIME_FLEXIBLE:                      bsv1.StoredSchedulingRules_ADMISSION_POLICY_TIME_FLEXIBLE,
		acv3.SchedulingRules_TIMED_ENTRY_WITH_FLEXIBLE_DURATION: bsv1.StoredSchedulingRules_ADMISSION_POLICY_TIMED_ENTRY_WITH_FLEXIBLE_DURATION,
	})
	priceTypes = newEnumMap(map[acv3.PriceType]bsv1.StoredPriceType{
		acv3.PriceType_FIXED_RATE_DEFAULT: bsv1.StoredPriceType_STORED_PRICE_TYPE_UNSPECIFIED,
		acv3.PriceType_PER_PERSON:         bsv1.StoredPriceType_STORED_PRICE_TYPE_PER_PERSON,
	})
)
