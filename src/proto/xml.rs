//! Just enough XML for device descriptions and SOAP answers.
